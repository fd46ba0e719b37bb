/*
 * Runs a command as on a kernel without MOVE_MOUNT_BENEATH, to test what
 * mount --beneath says there:
 *
 *   no-beneath einval <command> [<args>]
 *	move_mount(2) with MOVE_MOUNT_BENEATH fails with EINVAL, as on a
 *	kernel that has move_mount(2) but not the flag (before Linux 6.5)
 *   no-beneath enosys <command> [<args>]
 *	the mount API syscalls fail with ENOSYS (before Linux 5.2)
 *
 * A seccomp filter makes the syscalls fail; everything else is unchanged.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#ifndef MOVE_MOUNT_BENEATH
# define MOVE_MOUNT_BENEATH 0x00000200
#endif

#define LOAD(field)	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define FAIL(err)	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err))
#define ALLOW		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

int main(int argc, char **argv)
{
	struct sock_filter einval[] = {
		LOAD(arch),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		ALLOW,
		LOAD(nr),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_move_mount, 1, 0),
		ALLOW,
		LOAD(args[4]),			/* flags, low 32 bits */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MOVE_MOUNT_BENEATH, 0, 1),
		FAIL(EINVAL),
		ALLOW,
	};
	struct sock_filter enosys[] = {
		LOAD(arch),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		ALLOW,
		LOAD(nr),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_open_tree, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_move_mount, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fsopen, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fsconfig, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fsmount, 1, 0),
		ALLOW,
		FAIL(ENOSYS),
	};
	struct sock_fprog prog;

	if (argc < 3 || (strcmp(argv[1], "einval") && strcmp(argv[1], "enosys"))) {
		fprintf(stderr, "usage: %s einval|enosys <command> [<args>]\n", argv[0]);
		return 2;
	}
	if (strcmp(argv[1], "einval") == 0) {
		prog.filter = einval;
		prog.len = sizeof(einval) / sizeof(einval[0]);
	} else {
		prog.filter = enosys;
		prog.len = sizeof(enosys) / sizeof(enosys[0]);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp");
		return 2;
	}
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 2;
}
