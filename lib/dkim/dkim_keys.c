/*
 * dkim_keys.c - DKIM private keys: load (refusing files others can read
 * and keys RFC 8301 forbids), generate, write (0600, never over an
 * existing file), and the key record to publish (RFC 6376 3.6.1, RFC
 * 8463 4).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vouch/dkim.h>

#include "crypto/crypto.h"
#include "dkim/dkim_keys.h"
#include "util/util.h"

#define PEM_MAX (64u * 1024u)

static int
check_bits(const struct vouch__pkey *pk, struct vouch_error *err)
{
	unsigned bits = vouch__pkey_bits(pk);

	if (vouch__pkey_type(pk) != VOUCH_PK_RSA)
		return 0;
	if (bits < VOUCH_DKIM_RSA_MIN_BITS || bits > VOUCH_DKIM_RSA_MAX_BITS)
		return vouch__error(err, VOUCH_EINVAL, 0, "RSA key of %u bits "
		    "is outside %u to %u (RFC 8301 3.2)", bits,
		    VOUCH_DKIM_RSA_MIN_BITS, VOUCH_DKIM_RSA_MAX_BITS);
	return 0;
}

static int
wrap(struct vouch__pkey *pk, struct vouch_dkim_key **out,
    struct vouch_error *err)
{
	int rc;

	if ((rc = check_bits(pk, err)) != 0) {
		vouch__pkey_free(pk);
		return rc;
	}
	if ((*out = vouch__calloc(1, sizeof(**out))) == NULL) {
		vouch__pkey_free(pk);
		return VOUCH_ENOMEM;
	}
	(*out)->pk = pk;
	return 0;
}

int
vouch_dkim_key_from_pem(const char *pem, size_t len,
    struct vouch_dkim_key **out, struct vouch_error *err)
{
	struct vouch__pkey *pk;
	int rc;

	if (out == NULL)
		return VOUCH_EINVAL;
	*out = NULL;
	if (pem == NULL)
		return vouch__error(err, VOUCH_EINVAL, 0, "no key given");
	rc = vouch__pkey_private_pem(pem, len, &pk);
	if (rc == VOUCH_ESYNTAX)
		return vouch__error(err, rc, 0, "not a PEM private key");
	if (rc == VOUCH_EUNSUPPORTED)
		return vouch__error(err, rc, 0, "the key is neither RSA nor "
		    "Ed25519");
	if (rc != 0)
		return rc;
	return wrap(pk, out, err);
}

/* Read at most PEM_MAX bytes of an open key file. */
static int
read_fd(int fd, const char *path, char **buf, size_t *len,
    struct vouch_error *err)
{
	size_t n = 0;
	ssize_t r;

	if ((*buf = vouch__malloc(PEM_MAX + 1)) == NULL)
		return VOUCH_ENOMEM;
	while (n < PEM_MAX) {
		r = read(fd, *buf + n, PEM_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			vouch__free(*buf);
			return vouch__error(err, VOUCH_EIO, 0, "%s: %s", path,
			    strerror(errno));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return 0;
}

int
vouch_dkim_key_load(const char *path, struct vouch_dkim_key **out,
    struct vouch_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	if (out == NULL || path == NULL)
		return VOUCH_EINVAL;
	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return vouch__error(err, VOUCH_EIO, 0, "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return vouch__error(err, VOUCH_EIO, 0, "%s: not a regular "
		    "file", path);
	}
	if ((st.st_mode & 077) != 0) {
		close(fd);
		return vouch__error(err, VOUCH_EINVAL, 0, "%s: private key "
		    "permissions %04o are too open: group or others can "
		    "access it (run chmod 600 %s)", path,
		    (unsigned)(st.st_mode & 07777), path);
	}
	rc = read_fd(fd, path, &buf, &len, err);
	close(fd);
	if (rc != 0)
		return rc;
	rc = vouch_dkim_key_from_pem(buf, len, out, err);
	if (rc != 0 && err != NULL && rc != VOUCH_ENOMEM) {
		char msg[VOUCH_ERROR_MSG_MAX];

		(void)vouch__strlcpy(msg, err->msg, sizeof(msg));
		(void)vouch__error(err, rc, 0, "%s: %s", path, msg);
	}
	vouch__cleanse(buf, len);
	vouch__free(buf);
	return rc;
}

int
vouch_dkim_key_generate(enum vouch_dkim_keytype type, unsigned bits,
    struct vouch_dkim_key **out, struct vouch_error *err)
{
	struct vouch__pkey *pk;
	int rc;

	if (out == NULL)
		return VOUCH_EINVAL;
	*out = NULL;
	if (type == VOUCH_DKIM_KEY_ED25519) {
		if (bits != 0 && bits != 256)
			return vouch__error(err, VOUCH_EINVAL, 0, "Ed25519 "
			    "keys have no size to choose");
	} else if (type == VOUCH_DKIM_KEY_RSA) {
		if (bits == 0)
			bits = 2048;
		if (bits < VOUCH_DKIM_RSA_MIN_BITS ||
		    bits > VOUCH_DKIM_RSA_MAX_BITS)
			return vouch__error(err, VOUCH_EINVAL, 0, "RSA key size "
			    "%u is outside %u to %u (RFC 8301 3.2)", bits,
			    VOUCH_DKIM_RSA_MIN_BITS, VOUCH_DKIM_RSA_MAX_BITS);
	} else
		return vouch__error(err, VOUCH_EINVAL, 0, "unknown key type");
	rc = vouch__pkey_generate(type == VOUCH_DKIM_KEY_ED25519 ?
	    VOUCH_PK_ED25519 : VOUCH_PK_RSA, bits, &pk);
	if (rc != 0)
		return vouch__error(err, rc, 0, "key generation failed");
	return wrap(pk, out, err);
}

enum vouch_dkim_keytype
vouch_dkim_key_type(const struct vouch_dkim_key *key)
{
	return vouch__pkey_type(key->pk) == VOUCH_PK_ED25519 ?
	    VOUCH_DKIM_KEY_ED25519 : VOUCH_DKIM_KEY_RSA;
}

unsigned
vouch_dkim_key_bits(const struct vouch_dkim_key *key)
{
	return vouch__pkey_bits(key->pk);
}

int
vouch_dkim_key_pem(const struct vouch_dkim_key *key, char **out)
{
	if (key == NULL || out == NULL)
		return VOUCH_EINVAL;
	return vouch__pkey_private_to_pem(key->pk, out);
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
vouch_dkim_key_write(const struct vouch_dkim_key *key, const char *path,
    struct vouch_error *err)
{
	char *pem = NULL;
	int fd, rc, bad;

	if (key == NULL || path == NULL)
		return VOUCH_EINVAL;
	if ((rc = vouch_dkim_key_pem(key, &pem)) != 0)
		return rc;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = vouch__error(err, errno == EEXIST ? VOUCH_EINVAL :
		    VOUCH_EIO, 0, "%s: %s", path, errno == EEXIST ?
		    "exists; a key file is never overwritten" :
		    strerror(errno));
		vouch__cleanse(pem, strlen(pem));
		free(pem);
		return rc;
	}
	bad = write_all(fd, pem, strlen(pem)) != 0 || fsync(fd) != 0;
	bad |= close(fd) != 0;
	if (bad) {
		rc = vouch__error(err, VOUCH_EIO, 0, "%s: %s", path,
		    strerror(errno));
		(void)unlink(path);
	}
	vouch__cleanse(pem, strlen(pem));
	free(pem);
	return rc;
}

int
vouch_dkim_key_record(const struct vouch_dkim_key *key, char **out)
{
	unsigned char *raw;
	size_t rawlen;
	char *b64;
	int rc;

	if (key == NULL || out == NULL)
		return VOUCH_EINVAL;
	*out = NULL;
	if ((rc = vouch__pkey_public_raw(key->pk, &raw, &rawlen)) != 0)
		return rc;
	b64 = vouch__b64_encode(raw, rawlen);
	vouch__free(raw);
	if (b64 == NULL)
		return VOUCH_ENOMEM;
	rc = VOUCH_ENOMEM;
	if ((*out = malloc(strlen(b64) + 32)) != NULL) {
		(void)snprintf(*out, strlen(b64) + 32, "v=DKIM1; k=%s; p=%s",
		    vouch_dkim_key_type(key) == VOUCH_DKIM_KEY_ED25519 ?
		    "ed25519" : "rsa", b64);
		rc = 0;
	}
	vouch__free(b64);
	return rc;
}

void
vouch_dkim_key_free(struct vouch_dkim_key *key)
{
	if (key == NULL)
		return;
	vouch__pkey_free(key->pk);
	vouch__free(key);
}
