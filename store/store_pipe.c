/*
 * store_pipe.c - vouch_store_pipe (vouch/store.h): inputs parsed by
 * worker threads while the caller's thread stores the ones before.
 *
 * The inputs in the pipe are a ring, in the order they were put.  A
 * worker takes the oldest input nobody has taken, parses it into a copy
 * (store_prep.c), hashes and compresses its bytes, and marks it ready.
 * The caller's thread stores the oldest input once it is ready, replaying
 * the copy into the import's callbacks (store_import.c), and tells done.
 * The store handle never leaves the caller's thread, so the SQL and the
 * transactions are exactly a sequential import's; what runs beside them
 * is the parse, about half of an import.
 *
 * Locking: mu guards the ring's counters, each input's ready flag, quit
 * and stopped.  An input's bytes and parse belong to the worker that
 * took it until it is ready, then to the caller's thread.
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "store_int.h"

#define JOBS_MAX 64u
#define BYTES_MAX (64u * 1024u * 1024u)
/* Inputs in the pipe: enough that one large report at its head does not
 * leave the workers idle (reports vary in size a thousandfold). */
#define RING_MIN 64u

struct item {
	unsigned char *data;	/* a copy of the input */
	size_t len;
	char *source;		/* a copy, or NULL */
	int64_t now;
	void *tag;
	int ready;		/* parsed (or passed over): the caller's */
	struct vouch__prep *prep;	/* NULL: import the bytes directly */
	size_t prep_size;	/* counted in the pipe's bytes once ready */
	struct vouch__raw raw;	/* hashed and compressed when it matters */
};

struct vouch_store_pipe {
	struct vouch_store *s;
	struct vouch_report_limits lim;
	const struct vouch_report_limits *limp;	/* &lim, or NULL */
	vouch_store_pipe_fn *done;
	void *arg;
	unsigned nthreads;
	pthread_t th[JOBS_MAX];
	pthread_mutex_t mu;
	pthread_cond_t work;	/* an input to take, or quit */
	pthread_cond_t ready;	/* an input became ready */
	struct item *ring;
	size_t cap;
	/* Counters since the start; an input's slot is its count % cap.
	 * In the pipe: [head, head + n); taken by workers: [head, todo). */
	uint64_t head, todo;
	size_t n, bytes;
	int quit;
	int stopped;		/* the value done returned, 0 if none */
};

static void
prepare(struct vouch_store_pipe *p, struct item *it)
{
	it->prep = vouch__prep_parse(it->data, it->len, p->limp);
	/* A failure here is met again, and reported, when it is stored. */
	if (it->prep != NULL && !vouch__prep_empty(it->prep))
		(void)vouch__raw_ready(&it->raw, NULL);
}

/* Called and returning with mu held, an input to take waiting: take
 * it, parse it (mu released meanwhile) and mark it ready. */
static void
parse_one(struct vouch_store_pipe *p)
{
	struct item *it = &p->ring[p->todo++ % p->cap];
	int skip = p->stopped != 0;		/* to be dropped */

	pthread_mutex_unlock(&p->mu);
	if (!skip)
		prepare(p, it);
	pthread_mutex_lock(&p->mu);
	if (it->prep != NULL) {
		it->prep_size = vouch__prep_size(it->prep);
		p->bytes += it->prep_size;
	}
	it->ready = 1;
	pthread_cond_signal(&p->ready);
}

static void *
worker(void *arg)
{
	struct vouch_store_pipe *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && p->todo == p->head + p->n)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->quit)
			break;
		parse_one(p);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void
item_free(struct item *it)
{
	vouch__prep_free(it->prep);
	vouch__raw_free(&it->raw);
	vouch__free(it->data);
	vouch__free(it->source);
	memset(it, 0, sizeof(*it));
}

/* Tell done; a non-zero answer stops the pipe. */
static void
report(struct vouch_store_pipe *p, void *tag, int rc,
    const struct vouch_store_import_result *res,
    const struct vouch_error *err)
{
	int r = p->done(p->arg, tag, rc, res, err);

	if (r != 0) {
		pthread_mutex_lock(&p->mu);
		p->stopped = r;		/* workers pass over the rest */
		pthread_mutex_unlock(&p->mu);
	}
}

static void
direct(struct vouch_store_pipe *p, const void *data, size_t len,
    const char *source, int64_t now, void *tag)
{
	struct vouch_store_import_result res;
	struct vouch_error err;
	int rc;

	rc = vouch_store_import(p->s, data, len, source, p->limp, now, &res,
	    &err);
	report(p, tag, rc, &res, &err);
}

/*
 * Store the oldest input in the pipe, or drop it when the pipe stopped;
 * with wait 0, only when it is ready already.  Returns 1 when an input
 * left the pipe, 0 when none did.
 */
static int
take_oldest(struct vouch_store_pipe *p, int wait)
{
	struct vouch_store_import_result res;
	struct vouch_error err;
	struct item *it;
	int rc;

	pthread_mutex_lock(&p->mu);
	if (p->n == 0) {
		pthread_mutex_unlock(&p->mu);
		return 0;
	}
	it = &p->ring[p->head % p->cap];
	while (!it->ready && wait) {
		if (p->todo < p->head + p->n)
			parse_one(p);	/* rather than wait: help */
		else
			pthread_cond_wait(&p->ready, &p->mu);
	}
	if (!it->ready) {
		pthread_mutex_unlock(&p->mu);
		return 0;
	}
	pthread_mutex_unlock(&p->mu);
	if (p->stopped != 0) {
		(void)p->done(p->arg, it->tag, 0, NULL, NULL);
	} else {
		if (it->prep != NULL) {
			rc = vouch__store_import_prep(p->s, it->prep, &it->raw,
			    it->source, &res, &err);
			report(p, it->tag, rc, &res, &err);
		} else {
			direct(p, it->data, it->len, it->source, it->now,
			    it->tag);
		}
	}
	pthread_mutex_lock(&p->mu);
	p->bytes -= it->len + it->prep_size;
	item_free(it);
	p->head++;
	p->n--;
	pthread_mutex_unlock(&p->mu);
	return 1;
}

static void
drain(struct vouch_store_pipe *p)
{
	while (take_oldest(p, 1))
		;
}

int
vouch_store_pipe_new(struct vouch_store *s, unsigned jobs,
    const struct vouch_report_limits *lim, vouch_store_pipe_fn *done,
    void *arg, struct vouch_store_pipe **out)
{
	struct vouch_store_pipe *p;
	sigset_t all, old;
	unsigned i;

	*out = NULL;
	if (s == NULL || done == NULL)
		return VOUCH_EINVAL;
	if ((p = vouch__malloc(sizeof(*p))) == NULL)
		return VOUCH_ENOMEM;
	memset(p, 0, sizeof(*p));
	p->s = s;
	if (lim != NULL) {
		p->lim = *lim;
		p->limp = &p->lim;
	}
	p->done = done;
	p->arg = arg;
	if (jobs > JOBS_MAX)
		jobs = JOBS_MAX;
	p->cap = (size_t)jobs * 8 < RING_MIN ? RING_MIN : (size_t)jobs * 8;
	if (jobs > 0 && (p->ring = vouch__malloc(p->cap *
	    sizeof(*p->ring))) == NULL)
		jobs = 0;	/* no room for a pipe: one input at a time */
	if (jobs > 0)
		memset(p->ring, 0, p->cap * sizeof(*p->ring));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->ready, NULL);
	/* Signals stay with the caller's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < jobs; i++) {
		if (pthread_create(&p->th[i], NULL, worker, p) != 0)
			break;
		p->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	*out = p;
	return 0;
}

/* len more bytes would pass BYTES_MAX (inputs and their parsed copies,
 * read under mu: workers add the copies). */
static int
over_budget(struct vouch_store_pipe *p, size_t len)
{
	int over;

	pthread_mutex_lock(&p->mu);
	over = p->bytes + len > BYTES_MAX;
	pthread_mutex_unlock(&p->mu);
	return over;
}

/* An input that will not be stored, the pipe being stopped: told after
 * those still in the pipe (dropped too). */
static int
dropped(struct vouch_store_pipe *p, void *tag)
{
	drain(p);
	(void)p->done(p->arg, tag, 0, NULL, NULL);
	return p->stopped;
}

/* Into the ring, for a worker to take (copy and src now the pipe's). */
static void
enqueue(struct vouch_store_pipe *p, unsigned char *copy, size_t len,
    char *src, int64_t now, void *tag)
{
	struct item *it;

	pthread_mutex_lock(&p->mu);
	it = &p->ring[(p->head + p->n) % p->cap];
	memset(it, 0, sizeof(*it));
	it->data = copy;
	it->len = len;
	it->source = src;
	it->now = now;
	it->tag = tag;
	vouch__raw_init(&it->raw, copy, len, now);
	p->n++;
	p->bytes += len;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

int
vouch_store_pipe_put(struct vouch_store_pipe *p, const void *data,
    size_t len, const char *source, int64_t now, void *tag)
{
	unsigned char *copy = NULL;
	char *src = NULL;

	if (p->stopped != 0)
		return dropped(p, tag);
	if (p->nthreads == 0 || (data == NULL && len > 0)) {
		/* In turn, after what is in the pipe (a bad argument is
		 * reported by vouch_store_import() in its place). */
		drain(p);
		if (p->stopped != 0)
			return dropped(p, tag);
		direct(p, data, len, source, now, tag);
		return p->stopped;
	}
	while (p->n > 0 && (p->n == p->cap || over_budget(p, len)))
		(void)take_oldest(p, 1);
	if (p->stopped != 0)
		return dropped(p, tag);
	if ((copy = vouch__malloc(len > 0 ? len : 1)) == NULL ||
	    (source != NULL &&
	    (src = vouch__store_dup(source, strlen(source))) == NULL)) {
		/* No copy: the inputs before it, then it, in order. */
		vouch__free(copy);
		drain(p);
		if (p->stopped != 0)
			return dropped(p, tag);
		direct(p, data, len, source, now, tag);
		return p->stopped;
	}
	if (len > 0)
		memcpy(copy, data, len);
	enqueue(p, copy, len, src, now, tag);
	/* Store one input if one is ready: one in, one out keeps the
	 * workers fed while the store keeps up. */
	if (p->stopped == 0)
		(void)take_oldest(p, 0);
	return p->stopped;
}

int
vouch_store_pipe_flush(struct vouch_store_pipe *p)
{
	int rc;

	drain(p);
	rc = p->stopped;
	pthread_mutex_lock(&p->mu);
	p->stopped = 0;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

void
vouch_store_pipe_free(struct vouch_store_pipe *p)
{
	unsigned i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->th[i], NULL);
	while (p->n > 0) {
		(void)p->done(p->arg, p->ring[p->head % p->cap].tag, 0, NULL,
		    NULL);
		item_free(&p->ring[p->head++ % p->cap]);
		p->n--;
	}
	pthread_cond_destroy(&p->ready);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	vouch__free(p->ring);
	vouch__free(p);
}
