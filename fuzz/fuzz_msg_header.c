/*
 * fuzz_msg_header.c - the header section parser over hostile bytes.
 *
 * The first byte picks small or default limits so the caps are reached
 * often.  After a successful parse the fields must tile the input: each
 * raw field starts where the previous one ended and equals the input
 * bytes there, name and value lie inside raw, and the body offset is in
 * range.  Each field is then fed to vouch_msg_add_field() as a milter
 * would, which must accept it or hit a cap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/msg.h>

static void
check_field(const struct vouch_msg_field *f, const uint8_t *data,
    size_t off)
{
	if (f->raw_len == 0 || memcmp(f->raw, data + off, f->raw_len) != 0)
		abort();
	if (f->name != f->raw || f->name_len == 0 ||
	    f->value < f->name + f->name_len ||
	    f->value + f->value_len > f->raw + f->raw_len)
		abort();
}

/* Looking a field's own name up from its index finds that field. */
static void
check_find(const struct vouch_msg *msg, const struct vouch_msg_field *f,
    size_t i)
{
	char name[64];

	if (f->name_len >= sizeof(name))
		return;
	memcpy(name, f->name, f->name_len);
	name[f->name_len] = '\0';
	if (vouch_msg_find(msg, name, i) != i ||
	    vouch_msg_count_named(msg, name) == 0)
		abort();
}

static void
replay_fields(const struct vouch_msg *msg,
    const struct vouch_msg_limits *lim)
{
	struct vouch_msg *m2;
	size_t i;
	int rc;

	if (vouch_msg_new(lim, &m2) != 0)
		return;
	for (i = 0; i < vouch_msg_count(msg); i++) {
		const struct vouch_msg_field *f = vouch_msg_field(msg, i);

		rc = vouch_msg_add_field(m2, f->name, f->name_len, f->value,
		    f->value_len, NULL);
		if (rc == VOUCH_ELIMIT)
			break;
		if (rc != 0)
			abort();
	}
	vouch_msg_free(m2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_msg_limits small = {512, 128}, *lim = NULL;
	struct vouch_msg *msg;
	struct vouch_error err;
	size_t i, off = 0, body = 0;

	if (size > 0 && data[0] == 'S')
		lim = &small;
	if (vouch_msg_new(lim, &msg) != 0)
		return 0;
	if (vouch_msg_parse_header(msg, (const char *)data, size, &body,
	    &err) == 0) {
		if (body > size)
			abort();
		for (i = 0; i < vouch_msg_count(msg); i++) {
			const struct vouch_msg_field *f =
			    vouch_msg_field(msg, i);

			check_field(f, data, off);
			off += f->raw_len;
			check_find(msg, f, i);
		}
		if (off > body)
			abort();
		replay_fields(msg, lim);
	}
	vouch_msg_free(msg);
	return 0;
}
