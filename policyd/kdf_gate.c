#include "config.h"

#include <errno.h>
#include <time.h>

#include "api.h"

#define KDF_WAIT_SECONDS 10

static int enter(const struct server_ctx *srv)
{
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += KDF_WAIT_SECONDS;
	while (sem_clockwait(srv->kdf_slots, CLOCK_MONOTONIC, &deadline) != 0)
		if (errno != EINTR)
			return -EBUSY;
	return 0;
}

int kdf_hash(const struct server_ctx *srv, const char *password, char out[IAM_KDF_MAX])
{
	int r = enter(srv);

	if (r < 0)
		return r;
	r = iam_kdf_hash(password, &srv->kdf, out, NULL);
	sem_post(srv->kdf_slots);
	return r;
}

int kdf_verify(const struct server_ctx *srv, const char *password, const char *verifier)
{
	int r = enter(srv);

	if (r < 0)
		return r;
	r = iam_kdf_verify(password, verifier, NULL);
	sem_post(srv->kdf_slots);
	return r;
}
