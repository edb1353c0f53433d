/* An acknowledged write survives kill -9 of the endpoint: a stream of
 * writes, the server killed at a random moment, restarted, and every change
 * it had answered 201 for is there, with the audit chain intact. */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testenv.h"

#define ROUNDS 4
#define MAX_WRITES 2000

static struct testenv env;

static int setup(void **state)
{
	(void)state;
	testenv_start(&env, 0, "id_max = 999999");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return testenv_stop(&env) == 0 ? 0 : -1;
}

/* A child that kills the server after a random delay. */
static pid_t kill_later(pid_t server, unsigned seed)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		srand(seed);
		usleep(50000 + (useconds_t)(rand() % 400000));
		kill(server, SIGKILL);
		_exit(0);
	}
	return pid;
}

static void test_acknowledged_writes_survive_kill(void **state)
{
	static char acked[ROUNDS * MAX_WRITES][32];
	char hash[65], path[64];
	int nacked = 0, round, i, killed;
	pid_t killer;

	(void)state;
	for (round = 0; round < ROUNDS; round++) {
		killer = kill_later(env.pid, (unsigned)time(NULL) + (unsigned)round);
		for (i = 0, killed = 0; i < MAX_WRITES && !killed; i++) {
			char name[32];
			long st;

			snprintf(name, sizeof(name), "r%du%d", round, i);
			st = apif(&env, env.admin, "POST", "/v1/users", "{\"name\":\"%s\"}", name);
			if (st == 201)
				snprintf(acked[nacked++], sizeof(acked[0]), "%s", name);
			else
				killed = 1;
		}
		waitpid(killer, NULL, 0);
		assert_true(killed); /* the server did die mid-stream */
		testenv_kill(&env);   /* reap it */
		testenv_restart(&env, 0);
		for (i = 0; i < nacked; i++) {
			snprintf(path, sizeof(path), "/v1/users/%.31s", acked[i]);
			assert_int_equal(api(&env, env.admin, "GET", path, NULL), 200);
		}
		verify_audit_chain(&env, hash);
	}
	assert_true(nacked > 0);
	fprintf(stderr, "%d acknowledged writes over %d kills, all present\n", nacked, ROUNDS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acknowledged_writes_survive_kill),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
