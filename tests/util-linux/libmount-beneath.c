/*
 * Tests of the libmount API for mounting beneath:
 * mnt_context_enable_beneath() and mnt_context_is_beneath().
 *
 *   libmount-beneath api
 *	the flag itself: default, enable, disable, NULL context, kept by
 *	mnt_reset_context() like the other mode flags
 *   libmount-beneath mount <source> <target> <type> [<options>]
 *	mount beneath <target> through the API (run it in a private mount
 *	namespace); prints the mnt_context_get_excode() message on failure
 *   libmount-beneath conflict <target>
 *	beneath with MS_MOVE is refused before any syscall, with a message
 *
 * Prints "ok - <what>" or "not ok - <what>" per check, exits 1 on failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include <libmount.h>

static int failed;

static void check(int cond, const char *what)
{
	printf("%s - %s\n", cond ? "ok" : "not ok", what);
	if (!cond)
		failed = 1;
}

static int test_api(void)
{
	struct libmnt_context *cxt = mnt_new_context();

	check(cxt != NULL, "mnt_new_context()");
	if (!cxt)
		return 1;
	check(mnt_context_is_beneath(cxt) == 0, "disabled by default");
	check(mnt_context_enable_beneath(cxt, 1) == 0, "enable returns 0");
	check(mnt_context_is_beneath(cxt) == 1, "is_beneath is 1 when enabled");
	check(mnt_context_enable_beneath(cxt, 0) == 0, "disable returns 0");
	check(mnt_context_is_beneath(cxt) == 0, "is_beneath is 0 when disabled");
	check(mnt_context_enable_beneath(NULL, 1) == -EINVAL, "NULL context: -EINVAL");

	mnt_context_enable_beneath(cxt, 1);
	mnt_context_set_target(cxt, "/mnt");
	check(mnt_reset_context(cxt) == 0 && mnt_context_is_beneath(cxt) == 1
	      && mnt_context_get_target(cxt) == NULL,
	      "mnt_reset_context() keeps the flag (like fake, lazy, ...)");
	mnt_context_enable_fake(cxt, 1);
	check(mnt_context_is_beneath(cxt) == 1 && mnt_context_is_fake(cxt) == 1,
	      "independent of the other flags");
	mnt_free_context(cxt);
	return failed;
}

static int test_mount(const char *src, const char *tgt, const char *type,
		      const char *opts)
{
	struct libmnt_context *cxt = mnt_new_context();
	char buf[BUFSIZ] = { 0 };
	int rc, ex;

	if (!cxt)
		return 1;
	mnt_context_set_source(cxt, src);
	mnt_context_set_target(cxt, tgt);
	if (strcmp(type, "bind") == 0)
		mnt_context_set_mflags(cxt, MS_BIND);
	else
		mnt_context_set_fstype(cxt, type);
	if (opts)
		mnt_context_set_options(cxt, opts);
	mnt_context_set_optsmode(cxt, MNT_OMODE_NOTAB);
	mnt_context_enable_beneath(cxt, 1);

	rc = mnt_context_mount(cxt);
	ex = mnt_context_get_excode(cxt, rc, buf, sizeof(buf));
	if (*buf)
		printf("# %s: %s\n", tgt, buf);
	check(ex == MNT_EX_SUCCESS, "mnt_context_mount() beneath");
	check(mnt_context_get_status(cxt) == 1, "mnt_context_get_status() is 1");
	mnt_free_context(cxt);
	return failed;
}

static int test_conflict(const char *tgt)
{
	struct libmnt_context *cxt = mnt_new_context();
	char buf[BUFSIZ] = { 0 };
	int rc, ex;

	if (!cxt)
		return 1;
	mnt_context_set_source(cxt, tgt);
	mnt_context_set_target(cxt, tgt);
	mnt_context_set_mflags(cxt, MS_MOVE);
	mnt_context_set_optsmode(cxt, MNT_OMODE_NOTAB);
	mnt_context_enable_beneath(cxt, 1);

	rc = mnt_context_mount(cxt);
	check(rc == -EINVAL, "beneath with MS_MOVE: -EINVAL");
	check(!mnt_context_syscall_called(cxt), "no syscall called");
	ex = mnt_context_get_excode(cxt, rc, buf, sizeof(buf));
	printf("# %s: %s\n", tgt, buf);
	check(ex == MNT_EX_USAGE, "excode MNT_EX_USAGE");
	check(strstr(buf, "--beneath") && strstr(buf, "--move"),
	      "the message names --beneath and --move");
	mnt_free_context(cxt);
	return failed;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "api") == 0)
		return test_api();
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "mount") == 0)
		return test_mount(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
	if (argc == 3 && strcmp(argv[1], "conflict") == 0)
		return test_conflict(argv[2]);

	fprintf(stderr, "usage: %s api | mount <source> <target> <type> [<options>] | conflict <target>\n",
		argv[0]);
	return 2;
}
