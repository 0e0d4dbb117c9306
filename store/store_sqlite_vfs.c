/*
 * store_sqlite_vfs.c - "vouch-wal", the SQLite VFS the store opens its
 * file with: the default VFS, except that a WAL frame is written with one
 * write() instead of two.
 *
 * SQLite appends a frame to the WAL as a 24-byte frame header, then the
 * page right after it (two calls, two system calls).  Import commits once
 * per report, about a dozen frames each, so those calls are a good part
 * of the storing thread's time.  Here a 24-byte write past the WAL's own
 * header is held back; when the next call is the write that continues it,
 * both go down as one write; any other call on the file (a read, a sync,
 * a lock, a size, another write, closing) first writes the held header
 * where it belongs.  So every byte reaches the file in the same order
 * relative to every other operation on it, only fewer calls.  Readers are
 * unaffected: SQLite publishes a frame in the WAL index (shared memory)
 * only after the call that wrote its page has returned.
 */
#include <pthread.h>
#include <string.h>

#include <sqlite3.h>

#include "store_db.h"
#include "util/util.h"

#define VFS_NAME "vouch-wal"
#define FRAME_HDR 24		/* WAL frame header (SQLite's walformat) */
#define WAL_HDR 32		/* WAL file header */

struct vf {
	sqlite3_file base;	/* pMethods: ours, once the real one opened */
	sqlite3_file *real;	/* the default VFS's file, right after */
	int wal;
	int held;		/* hdr waits to be written at held_off */
	sqlite3_int64 held_off;
	unsigned char hdr[FRAME_HDR];
	unsigned char *buf;	/* header + page for the joined write */
	size_t cap;
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs vfs;
static int vfs_rc = SQLITE_ERROR;
static pthread_once_t vfs_once = PTHREAD_ONCE_INIT;

static struct vf *
vf(sqlite3_file *f)
{
	return (struct vf *)(void *)f;
}

/* Write the held header, if any. */
static int
settle(struct vf *v)
{
	if (!v->held)
		return SQLITE_OK;
	v->held = 0;
	return v->real->pMethods->xWrite(v->real, v->hdr, FRAME_HDR,
	    v->held_off);
}

static int
vf_close(sqlite3_file *f)
{
	struct vf *v = vf(f);
	int rc = settle(v);
	int rc2 = v->real->pMethods->xClose(v->real);

	vouch__free(v->buf);
	v->buf = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

static int
vf_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	struct vf *v = vf(f);
	int rc = settle(v);

	return rc != SQLITE_OK ? rc : v->real->pMethods->xRead(v->real, p, n,
	    off);
}

static int
vf_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	struct vf *v = vf(f);
	size_t need;
	int rc;

	if (v->held && off == v->held_off + FRAME_HDR && n > 0) {
		need = FRAME_HDR + (size_t)n;
		if (need > v->cap) {
			unsigned char *b = vouch__realloc(v->buf, need);

			if (b == NULL)
				goto apart;
			v->buf = b;
			v->cap = need;
		}
		memcpy(v->buf, v->hdr, FRAME_HDR);
		memcpy(v->buf + FRAME_HDR, p, (size_t)n);
		v->held = 0;
		return v->real->pMethods->xWrite(v->real, v->buf, (int)need,
		    v->held_off);
	}
apart:
	if ((rc = settle(v)) != SQLITE_OK)
		return rc;
	if (v->wal && n == FRAME_HDR && off >= WAL_HDR) {
		memcpy(v->hdr, p, FRAME_HDR);
		v->held_off = off;
		v->held = 1;
		return SQLITE_OK;
	}
	return v->real->pMethods->xWrite(v->real, p, n, off);
}

static int
vf_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct vf *v = vf(f);
	int rc = settle(v);

	return rc != SQLITE_OK ? rc : v->real->pMethods->xTruncate(v->real,
	    size);
}

static int
vf_sync(sqlite3_file *f, int flags)
{
	struct vf *v = vf(f);
	int rc = settle(v);

	return rc != SQLITE_OK ? rc : v->real->pMethods->xSync(v->real,
	    flags);
}

static int
vf_size(sqlite3_file *f, sqlite3_int64 *size)
{
	struct vf *v = vf(f);
	int rc = settle(v);

	return rc != SQLITE_OK ? rc : v->real->pMethods->xFileSize(v->real,
	    size);
}

static int
vf_lock(sqlite3_file *f, int level)
{
	struct vf *v = vf(f);
	int rc = settle(v);

	return rc != SQLITE_OK ? rc : v->real->pMethods->xLock(v->real,
	    level);
}

static int
vf_unlock(sqlite3_file *f, int level)
{
	struct vf *v = vf(f);
	int rc = settle(v);

	return rc != SQLITE_OK ? rc : v->real->pMethods->xUnlock(v->real,
	    level);
}

static int
vf_reserved(sqlite3_file *f, int *out)
{
	struct vf *v = vf(f);
	int rc = settle(v);

	return rc != SQLITE_OK ? rc :
	    v->real->pMethods->xCheckReservedLock(v->real, out);
}

static int
vf_control(sqlite3_file *f, int op, void *arg)
{
	struct vf *v = vf(f);
	int rc = settle(v);

	return rc != SQLITE_OK ? rc : v->real->pMethods->xFileControl(v->real,
	    op, arg);
}

static int
vf_sector(sqlite3_file *f)
{
	struct vf *v = vf(f);

	return v->real->pMethods->xSectorSize(v->real);
}

static int
vf_device(sqlite3_file *f)
{
	struct vf *v = vf(f);

	return v->real->pMethods->xDeviceCharacteristics(v->real);
}

/* Version 2 and 3 methods: the database file's shared memory and
 * memory map, never the WAL's; passed through (vf_open requires the real
 * file to have them). */
static int
vf_shm_map(sqlite3_file *f, int pg, int sz, int extend, void volatile **pp)
{
	struct vf *v = vf(f);

	return v->real->pMethods->xShmMap(v->real, pg, sz, extend, pp);
}

static int
vf_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	struct vf *v = vf(f);

	return v->real->pMethods->xShmLock(v->real, off, n, flags);
}

static void
vf_shm_barrier(sqlite3_file *f)
{
	struct vf *v = vf(f);

	v->real->pMethods->xShmBarrier(v->real);
}

static int
vf_shm_unmap(sqlite3_file *f, int del)
{
	struct vf *v = vf(f);

	return v->real->pMethods->xShmUnmap(v->real, del);
}

static int
vf_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
	struct vf *v = vf(f);

	return v->real->pMethods->xFetch(v->real, off, n, pp);
}

static int
vf_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	struct vf *v = vf(f);

	return v->real->pMethods->xUnfetch(v->real, off, p);
}

static const sqlite3_io_methods methods = {
	3, vf_close, vf_read, vf_write, vf_truncate, vf_sync, vf_size,
	vf_lock, vf_unlock, vf_reserved, vf_control, vf_sector, vf_device,
	vf_shm_map, vf_shm_lock, vf_shm_barrier, vf_shm_unmap,
	vf_fetch, vf_unfetch
};

static int
vf_open(sqlite3_vfs *self, const char *name, sqlite3_file *f, int flags,
    int *out_flags)
{
	struct vf *v = vf(f);
	int rc;

	(void)self;
	memset(v, 0, sizeof(*v));
	v->real = (sqlite3_file *)(void *)(v + 1);
	v->wal = (flags & SQLITE_OPEN_WAL) != 0;
	rc = real_vfs->xOpen(real_vfs, name, v->real, flags, out_flags);
	if (v->real->pMethods == NULL)
		return rc;	/* not opened: nothing to close */
	if (v->real->pMethods->iVersion < 3) {
		/* Not the unix VFS SQLite builds with: no joining. */
		v->real->pMethods->xClose(v->real);
		return SQLITE_CANTOPEN;
	}
	v->base.pMethods = &methods;
	return rc;
}

static void
vfs_setup(void)
{
	if ((real_vfs = sqlite3_vfs_find(NULL)) == NULL)
		return;
	vfs = *real_vfs;
	vfs.pNext = NULL;
	vfs.zName = VFS_NAME;
	vfs.szOsFile = (int)sizeof(struct vf) + real_vfs->szOsFile;
	vfs.xOpen = vf_open;
	vfs_rc = sqlite3_vfs_register(&vfs, 0);
}

const char *
vouch__sqlite_vfs(void)
{
	pthread_once(&vfs_once, vfs_setup);
	return vfs_rc == SQLITE_OK ? VFS_NAME : NULL;
}
