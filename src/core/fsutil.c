/* File-system helpers (see fsutil.h). */
#include "src/core/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

sw_status sw_mkdir_p_new(const char *dir, char *created, size_t cap) {
    char buf[4096];
    if (created && cap) created[0] = '\0';
    if (!dir || !*dir) return sw_fail(SW_ERR_OUTPUT, "empty output folder name");
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return sw_fail(SW_ERR_OUTPUT, "output folder name too long: %s", dir);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) == 0) {
                if (created && cap && !created[0]) snprintf(created, cap, "%s", buf);
            } else if (errno != EEXIST) {
                return sw_fail(SW_ERR_OUTPUT, "cannot create output folder '%s': %s", buf, strerror(errno));
            }
            struct stat st;
            if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
                return sw_fail(SW_ERR_OUTPUT, "cannot create output folder '%s': '%s' is not a folder", dir, buf);
            *p = c;
            if (c == '\0') break;
        }
    }
    if (access(dir, W_OK | X_OK) != 0)
        return sw_fail(SW_ERR_OUTPUT, "output folder '%s' is not writable: %s", dir, strerror(errno));
    return SW_OK;
}

sw_status sw_mkdir_p(const char *dir) { return sw_mkdir_p_new(dir, NULL, 0); }

/* 1 when dir holds nothing but (recursively) empty folders; depth-limited. */
static int only_empty_dirs(const char *dir, int depth) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int ok = depth < 8;
    for (struct dirent *e; ok && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[4200];
        struct stat st;
        ok = snprintf(p, sizeof p, "%s/%s", dir, e->d_name) < (int)sizeof p && lstat(p, &st) == 0 &&
             S_ISDIR(st.st_mode) && only_empty_dirs(p, depth + 1);
    }
    closedir(d);
    return ok;
}

static void remove_dirs(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[4200];
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) < (int)sizeof p) remove_dirs(p);
    }
    closedir(d);
    rmdir(dir);
}

void sw_rmdir_empty(const char *dir) {
    if (dir && *dir && only_empty_dirs(dir, 0)) remove_dirs(dir);
}

sw_status sw_path_join(char *buf, size_t cap, const char *dir, const char *name) {
    int n = snprintf(buf, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap) return sw_fail(SW_ERR_OUTPUT, "path too long: %s/%s", dir, name);
    return SW_OK;
}

void sw_path_dirname(char *buf, size_t cap, const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(buf, cap, ".");
    else if (slash == path) snprintf(buf, cap, "/");
    else snprintf(buf, cap, "%.*s", (int)(slash - path), path);
}

sw_status sw_rename_durable(const char *from, const char *to) {
    if (rename(from, to) != 0)
        return sw_fail(SW_ERR_OUTPUT, "cannot rename '%s' to '%s': %s", from, to, strerror(errno));
    char dir[4096];
    sw_path_dirname(dir, sizeof dir, to);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return SW_OK;
}

int sw_path_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

int sw_path_same_file(const char *a, const char *b) {
    struct stat sa, sb;
    if (!a || !b || stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

sw_status sw_check_not_input(const char *out, const char *out_flag, const char *in, const char *in_flag) {
    if (!sw_path_same_file(out, in)) return SW_OK;
    return sw_fail(SW_ERR_USAGE, "%s '%s' is the same file as the input %s '%s': writing it would destroy the "
                   "input; choose another %s", out_flag, out, in_flag, in, out_flag);
}

sw_status sw_check_dir_writable(const char *dir) {
    struct stat st;
    if (stat(dir, &st) != 0)
        return sw_fail(SW_ERR_OUTPUT, "folder '%s' does not exist: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return sw_fail(SW_ERR_OUTPUT, "'%s' is not a folder", dir);
    char probe[4200];
    if (snprintf(probe, sizeof probe, "%s/.swath-probe-%ld", dir, (long)getpid()) >= (int)sizeof probe)
        return sw_fail(SW_ERR_OUTPUT, "folder name too long: %s", dir);
    const int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return sw_fail(SW_ERR_OUTPUT, "cannot create a file in folder '%s': %s", dir, strerror(errno));
    close(fd);
    unlink(probe);
    return SW_OK;
}
