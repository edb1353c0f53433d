/*
 * The daemon: what it holds while it runs (set up in daemon.c), the loop
 * that keeps the cache in step with the endpoint (agent.c), the thread
 * that delivers the audit spool (deliver.c), and the one that ends the
 * sessions of ended grants (jit_end.c, when jit_end_sessions is on).
 */
#ifndef IAMD_AGENT_H
#define IAMD_AGENT_H

#include <pthread.h>
#include <openssl/evp.h>

#include "api_client.h"
#include "host_config.h"

/* Seconds the endpoint may hold a snapshot request open waiting for a
 * change (it answers at once when the serial moves). Stopping does not
 * wait for it: see agent_run(). */
#define IAMD_POLL_WAIT 25

struct agent {
	struct iam_host_config cfg;
	struct iam_api *api;    /* ordinary requests: iam.conf's timeouts */
	struct iam_api *poll;   /* the long-poll: timeout + wait */
	EVP_PKEY *pub;          /* snapshot_pubkey */
	char key_id[17];        /* its id, as the endpoint names it */
	char *host;             /* this host's name, from GET /v1/whoami */
	unsigned wait;          /* long-poll seconds; 0 for --once */
	pthread_mutex_t busy;   /* held while the cache file is replaced, and while
				 * jit_end.c has processes stopped */
	/* The audit spool's delivery thread (deliver.c): its own client, as a
	 * client serves one thread, and the sync worker's wake-up call. */
	struct iam_api *events;
	pthread_mutex_t kick_lock;
	pthread_cond_t kick;    /* on CLOCK_MONOTONIC */
	int kicked;
};

/* Loads the configuration, the snapshot key and the host credential. */
int agent_setup(struct agent *a, const char *config_path, unsigned wait,
		struct iam_err *err);
void agent_free(struct agent *a);
/* Reads the host credential again (after the endpoint refused it), for
 * the sync worker's clients; the delivery thread reloads its own. */
int agent_reload_credential(struct agent *a, struct iam_err *err);

/* One fetch and write; IAMD_EXIT_OK when the cache is current. */
int agent_once(struct agent *a);
/* Runs until SIGTERM or SIGINT, then ends the process with status 0 (after
 * a cache write in progress has finished). Returns only when it could not
 * start. */
int agent_run(struct agent *a);

#endif
