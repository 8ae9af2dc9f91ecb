/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tables/cmdfile.h"
#include "state.h"

int alk_make_parent_dirs(const char *path, unsigned int mode)
{
	char *p = strdup(path), *s;
	int rc = 0;

	if (!p)
		return -ENOMEM;
	for (s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (mkdir(p, mode) && errno != EEXIST) {
			rc = -errno;
			break;
		}
		*s = '/';
	}
	free(p);
	return rc;
}

/* --- the state file ------------------------------------------------- */

static int fsync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, rc = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		rc = -errno;
	close(fd);
	return rc;
}

int alk_state_save(struct alk_tables *t, const char *path,
		   struct alk_error *err)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 8);
	FILE *f = NULL;
	int fd, rc = 0;

	if (!tmp)
		return alk_error_set(err, -1, -ENOMEM, "out of memory");
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", 8);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && !alk_make_parent_dirs(path, 0750)) {
		memcpy(tmp + plen, ".XXXXXX", 8);
		fd = mkostemp(tmp, O_CLOEXEC);
	}
	if (fd < 0) {
		rc = alk_error_set(err, -1, -errno, "%s: cannot create %s: %s",
				   path, tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	fchmod(fd, 0640);
	f = fdopen(fd, "w");
	if (!f) {
		rc = alk_error_set(err, -1, -errno, "%s: %s", tmp,
				   strerror(errno));
		close(fd);
		goto fail;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	fprintf(f, "# alkaid state: every table, in alkaidctl's command "
		   "grammar.\n# Written by the daemon; loaded at its start.\n");
	rc = alk_cmdfile_write(t, f, err);
	if (rc) {
		char reason[sizeof(err->msg)];

		memcpy(reason, err->msg, sizeof(reason));
		alk_error_set(err, -1, rc, "%s: %s", path, reason);
		goto fail;
	}
	if (fflush(f) || ferror(f) || fsync(fileno(f))) {
		rc = alk_error_set(err, -1, -errno, "%s: writing %s: %s", path,
				   tmp, strerror(errno));
		goto fail;
	}
	if (fclose(f)) {
		f = NULL;
		rc = alk_error_set(err, -1, -errno, "%s: writing %s: %s", path,
				   tmp, strerror(errno));
		goto fail;
	}
	f = NULL;
	if (rename(tmp, path)) {
		rc = alk_error_set(err, -1, -errno, "%s: rename: %s", path,
				   strerror(errno));
		goto fail;
	}
	rc = fsync_dir(path);
	if (rc)
		alk_error_set(err, -1, rc, "%s: fsync of its directory: %s",
			      path, strerror(-rc));
	free(tmp);
	return rc;
fail:
	if (f)
		fclose(f);
	unlink(tmp);
	free(tmp);
	return rc;
}
