/*
 * iamd: the host agent of iam. Without a command word it is the daemon
 * that keeps the NSS cache in step with the endpoint and delivers the
 * audit spool (daemon.c); the words below name the tools that go with it.
 * main() only dispatches.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct iamd_command *const commands[] = {
	&iamd_cmd_cache_build,
	&iamd_cmd_cache_check,
	&iamd_cmd_cache_dump,
	&iamd_cmd_authorized_keys,
	&iamd_cmd_flush_spool,
	&iamd_cmd_rotate,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void overview(void)
{
	size_t i;

	printf("Usage: iamd %s\n", iamd_cmd_daemon.synopsis);
	for (i = 0; i < NCOMMANDS; i++)
		printf("       iamd %s %s\n", commands[i]->name, commands[i]->synopsis);
	printf("\n%s\n\n%s\nCommands:\n", iamd_cmd_daemon.description,
	       iamd_cmd_daemon.options);
	for (i = 0; i < NCOMMANDS; i++)
		printf("  %-16s %s\n", commands[i]->name, commands[i]->summary);
	printf("\n'iamd COMMAND --help' describes a command. See iamd(8).\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		overview();
		return cli_flush_stdout(IAMD_EXIT_OK);
	}
	for (i = 0; argc > 1 && i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i]->name) == 0)
			return cli_flush_stdout(commands[i]->run(commands[i], argc - 1, argv + 1));
	if (argc > 1 && argv[1][0] != '-')
		return cli_usage(&iamd_cmd_daemon, "unknown command '%s'", argv[1]);
	return cli_flush_stdout(iamd_cmd_daemon.run(&iamd_cmd_daemon, argc, argv));
}
