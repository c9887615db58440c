/*
 * util.h - file I/O for the compiler: whole-file reads with a size cap, and
 * writes that leave an output untouched when its bytes would not change (so
 * that make does not rebuild what depends on it).
 */
#ifndef ALR_UTIL_H
#define ALR_UTIL_H

#include <stddef.h>

#define UTIL_MAX_SOURCE (16u * 1024u * 1024u)

/* Reads the whole file into a malloc'ed buffer NUL-terminated at *len.  The
 * caller owns *text.  Returns 0, or an errno value (EFBIG past max). */
int util_read_file(const char *path, size_t max, char **text, size_t *len);

/* Writes data to path unless path already holds exactly these bytes; writes
 * through a temporary file and rename(), so readers never see half a file.
 * Returns 0, or an errno value. *changed (may be NULL) tells if it wrote. */
int util_write_if_changed(const char *path, const void *data, size_t len, int *changed);

/* Returns the file-name part of path without its last extension, malloc'ed
 * ("a/b/x.alr" -> "x"); NULL on out of memory. */
char *util_stem(const char *path);

/* Returns the directory part of path, malloc'ed ("a/b/x.alr" -> "a/b",
 * "x.alr" -> "."); NULL on out of memory. */
char *util_dirname(const char *path);

/* Creates dir and its missing parents (like mkdir -p); 0 or an errno value
 * (ENOTDIR when a component exists and is not a directory). */
int util_mkdir_p(const char *dir);

/* Joins dir and name with '/', malloc'ed; NULL on out of memory. */
char *util_join(const char *dir, const char *name);

#endif /* ALR_UTIL_H */
