/*
 * iamctl doctor [--config FILE]: the host's health as one line per check.
 * Exit 0 when nothing failed (warnings allowed), 1 when a check failed, so
 * that scripts and configuration management can gate on it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "doctor.h"
#include "iamctl.h"
#include "secmem.h"

static void finding(const char *level, const char *check, const char *fix, const char *fmt,
		    va_list ap)
{
	printf("%-4s  %-12s ", level, check);
	vprintf(fmt, ap);
	if (fix)
		printf(" -> %s", fix);
	putchar('\n');
}

void dr_ok(struct doctor *d, const char *check, const char *fmt, ...)
{
	va_list ap;

	(void)d;
	va_start(ap, fmt);
	finding("ok", check, NULL, fmt, ap);
	va_end(ap);
}

void dr_warn(struct doctor *d, const char *check, const char *fix, const char *fmt, ...)
{
	va_list ap;

	d->warns++;
	va_start(ap, fmt);
	finding("WARN", check, fix, fmt, ap);
	va_end(ap);
}

void dr_fail(struct doctor *d, const char *check, const char *fix, const char *fmt, ...)
{
	va_list ap;

	d->fails++;
	va_start(ap, fmt);
	finding("FAIL", check, fix, fmt, ap);
	va_end(ap);
}

static int run_doctor(struct cli_ctx *c, const struct cli_args *a)
{
	struct doctor d = { 0 };

	if (geteuid() != 0)
		return cli_fail(c, CLI_EXIT_USAGE, "doctor reads the host credential and root-only "
				"directories: run it as root");
	d.config_path = cli_opt(a, "config") ? cli_opt(a, "config") : IAM_HOST_CONFIG_PATH;
	d.cache_serial = -1;
	d.endpoint_serial = -1;
	doctor_files(&d);
	doctor_endpoint(&d);
	doctor_system(&d);
	printf("%s: %d failed, %d warning%s\n", d.fails ? "unhealthy" : "healthy", d.fails,
	       d.warns, d.warns == 1 ? "" : "s");
	fflush(stdout);
	iam_free_secret(d.token);
	iam_host_config_free(&d.cfg);
	return d.fails ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

static const struct cli_opt_spec doctor_opts[] = { { "config", 0, required_argument },
						    { NULL, 0, 0 } };

static const struct cli_command commands[] = {
	{ "doctor", "[--config FILE]",
	  "Check this host's set-up (as root): one line per finding, with the fix.",
	  "      --config FILE     the host configuration (default:\n"
	  "                        " IAM_HOST_CONFIG_PATH ")\n"
	  "Checks the configuration and its files' permissions, the host credential, the\n"
	  "endpoint (reachability, certificate and pin, clock), the snapshot signature and\n"
	  "the cache, nsswitch.conf, the PAM stacks of sshd and sudo, and sshd's\n"
	  "AuthorizedKeysCommand. Exit 0: healthy (warnings allowed); 1: a check failed.\n",
	  doctor_opts, 0, 0, CLI_ACT_NONE, run_doctor },
};

const struct cli_command_table cli_doctor_commands = { commands, CLI_NELEM(commands) };
