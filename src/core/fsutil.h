/* File-system helpers for outputs that appear atomically and survive crashes. */
#ifndef SWATH_FSUTIL_H
#define SWATH_FSUTIL_H

#include "src/core/error.h"

#include <stddef.h>

/* Creates a folder and its parents (like mkdir -p); SW_ERR_OUTPUT naming the folder on failure,
 * and also when the folder exists but cannot be written. */
sw_status sw_mkdir_p(const char *dir);
/* sw_mkdir_p that also says, in created (cap bytes), the topmost folder it made ("" when dir was
 * there already): what sw_rmdir_empty may take away again if the command fails before writing. */
sw_status sw_mkdir_p_new(const char *dir, char *created, size_t cap);
/* Removes dir and its sub-folders when none of them holds anything but empty folders (a command
 * that failed before writing leaves no empty output folder); otherwise leaves all as it is.
 * Symbolic links are not followed. */
void sw_rmdir_empty(const char *dir);
/* Joins a folder and a file name into buf; an over-long result is an error naming both. */
sw_status sw_path_join(char *buf, size_t cap, const char *dir, const char *name);
/* The folder part of a path ("." when there is none), into buf. */
void sw_path_dirname(char *buf, size_t cap, const char *path);
/* Renames `from` to `to` and fsyncs the folder, so the rename survives a crash. */
sw_status sw_rename_durable(const char *from, const char *to);
/* Does the path exist? */
int sw_path_exists(const char *path);
/* Can a new file be created in `dir`? Creates and removes a probe file there (access() says yes to
 * root on a read-only or special file system such as /proc). SW_ERR_OUTPUT naming the folder and
 * the reason: missing, not a folder, or the error of the creation. */
sw_status sw_check_dir_writable(const char *dir);
/* Are a and b the same existing file (same device and inode: another spelling, a symlink or a
 * hard link counts)? 0 when either does not exist. */
int sw_path_same_file(const char *a, const char *b);
/* An output must not be one of the inputs: SW_ERR_USAGE naming both flags and the path when `out`
 * (given with `out_flag`, e.g. "--out") is the same file as `in` (given with `in_flag`). */
sw_status sw_check_not_input(const char *out, const char *out_flag, const char *in, const char *in_flag);

#endif
