/* LD_PRELOAD shim for test_sync_failure.py: while the file named by
 * FLOWGATE_FAIL_SYNC_FLAG exists, fdatasync and fsync fail with EIO, as a
 * disk that lost a write would make them. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static int failing(void) {
  const char* flag = getenv("FLOWGATE_FAIL_SYNC_FLAG");
  return flag != NULL && access(flag, F_OK) == 0;
}

static int call_real(const char* name, int fd) {
  int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, name);
  return real(fd);
}

int fdatasync(int fd) {
  if (failing()) {
    errno = EIO;
    return -1;
  }
  return call_real("fdatasync", fd);
}

int fsync(int fd) {
  if (failing()) {
    errno = EIO;
    return -1;
  }
  return call_real("fsync", fd);
}
