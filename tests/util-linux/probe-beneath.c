// SPDX-License-Identifier: GPL-2.0
/*
 * Does the running kernel know move_mount(2)'s MOVE_MOUNT_BENEATH? Asks the
 * kernel directly, never mount(8) or libmount, which are under test:
 *
 *	move_mount(-1, "", -1, "", MOVE_MOUNT_BENEATH |
 *		   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
 *
 * A kernel without the flag refuses the unknown flag with EINVAL before it
 * looks at anything else (ENOSYS: no move_mount(2) at all). A kernel with it
 * goes on to resolve the empty path at fd -1 and fails with EBADF. Nothing
 * is mounted either way.
 *
 * Exit status: 0 the kernel has MOVE_MOUNT_BENEATH, 1 it does not, 2 the
 * probe could not tell (another error, e.g. EPERM without CAP_SYS_ADMIN).
 * Prints the errno it got.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#ifndef MOVE_MOUNT_F_EMPTY_PATH
# define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
# define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef MOVE_MOUNT_BENEATH
# define MOVE_MOUNT_BENEATH 0x00000200
#endif

static const char *name(int err)
{
	switch (err) {
	case EBADF:
		return "EBADF";
	case EINVAL:
		return "EINVAL";
	case ENOSYS:	/* no move_mount(2): the syscall number is unknown */
		return "ENOSYS";
	case EPERM:
		return "EPERM";
	default:
		return "?";
	}
}

int main(void)
{
	long ret;
	int err;

	ret = syscall(__NR_move_mount, -1, "", -1, "",
		      MOVE_MOUNT_BENEATH | MOVE_MOUNT_F_EMPTY_PATH |
		      MOVE_MOUNT_T_EMPTY_PATH);
	err = errno;
	if (ret == 0) {
		printf("move_mount(MOVE_MOUNT_BENEATH) of fd -1 succeeded: cannot tell\n");
		return 2;
	}
	printf("move_mount(-1, \"\", -1, \"\", MOVE_MOUNT_BENEATH|...): %s (%s)\n",
	       strerror(err), name(err));
	if (err == EBADF)
		return 0;
	if (err == EINVAL || err == ENOSYS)
		return 1;
	return 2;
}
