/*
 * fuzz_msg_addr.c - address lists and domain conversion over hostile
 * bytes.
 *
 * A successful parse must give at most VOUCH_ADDR_MAX addresses, each
 * with a local part and a domain; a non-literal domain must already be
 * in the form vouch_domain_to_alabel() gives (converting it again changes
 * nothing).  The same bytes are also given to vouch_domain_to_alabel().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/msg.h>

static void
check_domain(const char *d)
{
	char buf[256];

	if (vouch_domain_to_alabel(d, strlen(d), buf, sizeof(buf)) != 0 ||
	    strcmp(buf, d) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_addr_list *l = NULL;
	struct vouch_error err;
	char buf[256];
	size_t i;

	if (vouch_addr_parse((const char *)data, size, &l, &err) == 0) {
		if (l->count > VOUCH_ADDR_MAX ||
		    (l->count == 0 && l->groups == 0))
			abort();
		for (i = 0; i < l->count; i++) {
			const struct vouch_addr *a = &l->addr[i];

			if (a->local[0] == '\0' || a->domain[0] == '\0' ||
			    a->display == NULL)
				abort();
			if (a->literal && a->domain[0] != '[')
				abort();
			if (!a->literal)
				check_domain(a->domain);
		}
		vouch_addr_list_free(l);
	} else if (l != NULL)
		abort();
	if (vouch_domain_to_alabel((const char *)data, size, buf,
	    sizeof(buf)) == 0)
		check_domain(buf);
	return 0;
}
