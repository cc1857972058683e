/*
 * native-bench.c — the Linux side of the pagewright benchmarks.
 *
 * Each benchmark does, with real system calls on this machine, the same work the simulator does in
 * apps/lab/src/bench-sim.ts. Every benchmark runs a warm-up, then several timed samples (clock_gettime,
 * CLOCK_MONOTONIC); the reported number is the median of the samples, in operations per second.
 *
 * Output: one JSON object on stdout,
 *   {"kernel": "...", "page_size": 4096, "results": {"sys/mmap-munmap": {"ops_per_s": N, "samples": K}, ...}}
 * Diagnostics go to stderr. Usage: native-bench [--quick] [--only NAME] [--vmas-64k N]
 *   --quick      tiny sizes (for tests): every benchmark runs, numbers are meaningless
 *   --only NAME  run one benchmark
 *
 * Build: cc -O2 -o native-bench native-bench.c   (the lab does this itself when a benchmark runs)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define MAX_SAMPLES 15

static int quick = 0;
static const char *only = NULL;
static int first_result = 1;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "native-bench: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof(double), cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static int wanted(const char *name) { return only == NULL || strcmp(only, name) == 0; }

static void report(const char *name, double ops_per_s, int samples) {
  printf("%s\"%s\":{\"ops_per_s\":%.1f,\"samples\":%d}", first_result ? "" : ",", name, ops_per_s, samples);
  first_result = 0;
  fflush(stdout);
}

/* A loop benchmark: op(iters) runs `iters` operations and returns the elapsed nanoseconds. */
typedef double (*loop_fn)(long iters);

/*
 * Runs a warm-up, sizes the batch so one sample takes about target_ms, then takes `samples` samples and
 * reports the median rate.
 */
static void run_loop(const char *name, loop_fn op, double target_ms, int samples) {
  if (!wanted(name)) return;
  if (quick) {
    target_ms = 0.2;
    samples = 3;
  }
  long iters = 16;
  double ns = op(iters); /* warm-up + calibration */
  while (ns < target_ms * 1e6 / 4 && iters < (1L << 30)) {
    iters *= 4;
    ns = op(iters);
  }
  if (ns > 0) iters = (long)((double)iters * (target_ms * 1e6) / ns) + 1;
  double rates[MAX_SAMPLES];
  for (int i = 0; i < samples; i++) rates[i] = (double)iters / (op(iters) / 1e9);
  report(name, median(rates, samples), samples);
}

/* ---- sys/mmap-munmap: one page, never touched ---------------------------------------------------------- */

static double bench_mmap_munmap(long iters) {
  double t0 = now_ns();
  for (long i = 0; i < iters; i++) {
    void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) die("mmap");
    if (munmap(p, PAGE) != 0) die("munmap");
  }
  return now_ns() - t0;
}

/* ---- sys/mmap-touch-munmap: one page, one store (a demand-zero fault) ---------------------------------- */

static double bench_mmap_touch_munmap(long iters) {
  double t0 = now_ns();
  for (long i = 0; i < iters; i++) {
    volatile char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) die("mmap");
    p[0] = 1;
    if (munmap((void *)p, PAGE) != 0) die("munmap");
  }
  return now_ns() - t0;
}

/* ---- sys/mprotect-split-merge: make the middle page of three read-only (split into 3), then back (merge) -- */

static char *mprotect_region;

static double bench_mprotect(long iters) {
  double t0 = now_ns();
  for (long i = 0; i < iters; i++) {
    if (mprotect(mprotect_region + PAGE, PAGE, PROT_READ) != 0) die("mprotect");
    if (mprotect(mprotect_region + PAGE, PAGE, PROT_READ | PROT_WRITE) != 0) die("mprotect");
  }
  return now_ns() - t0;
}

/* ---- sys/mremap-grow: mmap 16 pages, touch them, mremap to 32 pages (it moves), munmap ------------------ */

#define MREMAP_PAGES 16
static long mremap_moves, mremap_total;

static double bench_mremap(long iters) {
  double t0 = now_ns();
  for (long i = 0; i < iters; i++) {
    char *p = mmap(NULL, MREMAP_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) die("mmap");
    for (int j = 0; j < MREMAP_PAGES; j++) ((volatile char *)p)[j * PAGE] = 1;
    char *q = mremap(p, MREMAP_PAGES * PAGE, 2 * MREMAP_PAGES * PAGE, MREMAP_MAYMOVE);
    if (q == MAP_FAILED) die("mremap");
    mremap_moves += q != p;
    mremap_total++;
    if (munmap(q, 2 * MREMAP_PAGES * PAGE) != 0) die("munmap");
  }
  return now_ns() - t0;
}

/* ---- sys/brk-grow-shrink: move the break up one page and back --------------------------------------------- */

static uintptr_t brk_base;

static double bench_brk(long iters) {
  double t0 = now_ns();
  for (long i = 0; i < iters; i++) {
    if ((uintptr_t)syscall(SYS_brk, brk_base + PAGE) != brk_base + PAGE) die("brk grow");
    if ((uintptr_t)syscall(SYS_brk, brk_base) != brk_base) die("brk shrink");
  }
  return now_ns() - t0;
}

/* ---- sys/mmap-munmap@N: the same, with N one-page VMAs present ------------------------------------------ */

/* Maps 2n pages and unmaps every other one: n separate one-page VMAs that cannot merge. */
static char *make_vmas(long n) {
  char *base = mmap(NULL, (size_t)(2 * n) * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) die("mmap (vma set-up)");
  for (long i = 0; i < n; i++) {
    if (munmap(base + (2 * i + 1) * PAGE, PAGE) != 0) die("munmap (vma set-up)");
  }
  return base;
}

static void drop_vmas(char *base, long n) {
  if (munmap(base, (size_t)(2 * n) * PAGE) != 0) die("munmap (vma tear-down)");
}

/* ---- fault/first-touch, fork/256MiB, cow/break: a 256 MiB process ---------------------------------------- */

static size_t big_bytes = 256UL << 20;

static char *map_big(void) {
  char *p = mmap(NULL, big_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) die("mmap 256 MiB");
  /* One fault per 4 KiB page, as in the simulator (no transparent huge pages). */
  madvise(p, big_bytes, MADV_NOHUGEPAGE);
  return p;
}

static void touch_all(char *p) {
  for (size_t off = 0; off < big_bytes; off += PAGE) ((volatile char *)p)[off] = 1;
}

static void bench_first_touch(int samples) {
  if (!wanted("fault/first-touch")) return;
  double rates[MAX_SAMPLES];
  for (int s = 0; s < samples; s++) {
    char *p = map_big();
    double t0 = now_ns();
    touch_all(p);
    double ns = now_ns() - t0;
    rates[s] = (double)(big_bytes / PAGE) / (ns / 1e9);
    munmap(p, big_bytes);
  }
  report("fault/first-touch", median(rates, samples), samples);
}

/* Forks a child that waits on a pipe then exits; returns the nanoseconds fork() took in the parent. */
static double timed_fork(int *wfd, pid_t *pid) {
  int fds[2];
  if (pipe(fds) != 0) die("pipe");
  double t0 = now_ns();
  pid_t c = fork();
  double ns = now_ns() - t0;
  if (c < 0) die("fork");
  if (c == 0) {
    char b;
    close(fds[1]);
    while (read(fds[0], &b, 1) < 0 && errno == EINTR) {
    }
    _exit(0);
  }
  close(fds[0]);
  *wfd = fds[1];
  *pid = c;
  return ns;
}

static void end_child(int wfd, pid_t pid) {
  close(wfd);
  int st;
  waitpid(pid, &st, 0);
}

static void bench_fork_and_cow(int samples) {
  int want_fork = wanted("fork/256MiB"), want_cow = wanted("cow/break");
  if (!want_fork && !want_cow) return;
  char *p = map_big();
  touch_all(p);
  double fork_rates[MAX_SAMPLES], cow_rates[MAX_SAMPLES];
  int wfd;
  pid_t pid;
  /* warm-up */
  timed_fork(&wfd, &pid);
  end_child(wfd, pid);
  for (int s = 0; s < samples; s++) {
    double ns = timed_fork(&wfd, &pid);
    fork_rates[s] = 1e9 / ns;
    /* The child is alive and shares every page: each parent store breaks COW (copies the page). */
    double t0 = now_ns();
    touch_all(p);
    double cow_ns = now_ns() - t0;
    cow_rates[s] = (double)(big_bytes / PAGE) / (cow_ns / 1e9);
    end_child(wfd, pid);
  }
  if (want_fork) report("fork/256MiB", median(fork_rates, samples), samples);
  if (want_cow) report("cow/break", median(cow_rates, samples), samples);
  munmap(p, big_bytes);
}

int main(int argc, char **argv) {
  long vmas_64k = 64000;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) quick = 1;
    else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
    else if (strcmp(argv[i], "--vmas-64k") == 0 && i + 1 < argc) vmas_64k = atol(argv[++i]);
    else {
      fprintf(stderr, "usage: native-bench [--quick] [--only NAME] [--vmas-64k N]\n");
      return 2;
    }
  }
  if (sysconf(_SC_PAGESIZE) != (long)PAGE) {
    fprintf(stderr, "native-bench: page size is %ld, not 4096\n", sysconf(_SC_PAGESIZE));
    return 1;
  }
  if (quick) {
    big_bytes = 4UL << 20;
    vmas_64k = 2000;
  }
  int big_samples = quick ? 3 : 5;
  struct utsname u;
  uname(&u);
  printf("{\"kernel\":\"%s %s %s\",\"page_size\":%lu,\"vmas_64k\":%ld,\"results\":{", u.sysname, u.release, u.machine,
         PAGE, vmas_64k);

  run_loop("sys/mmap-munmap", bench_mmap_munmap, 40, 7);
  run_loop("sys/mmap-touch-munmap", bench_mmap_touch_munmap, 40, 7);
  bench_first_touch(big_samples);
  bench_fork_and_cow(big_samples);

  mprotect_region = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mprotect_region == MAP_FAILED) die("mmap");
  run_loop("sys/mprotect-split-merge", bench_mprotect, 40, 7);
  munmap(mprotect_region, 3 * PAGE);

  if (wanted("sys/mmap-munmap@1k")) {
    char *v = make_vmas(1000);
    run_loop("sys/mmap-munmap@1k", bench_mmap_munmap, 40, 7);
    drop_vmas(v, 1000);
  }
  if (wanted("sys/mmap-munmap@64k")) {
    char *v = make_vmas(vmas_64k);
    run_loop("sys/mmap-munmap@64k", bench_mmap_munmap, 40, 7);
    drop_vmas(v, vmas_64k);
  }

  run_loop("sys/mremap-grow", bench_mremap, 40, 7);
  if (mremap_total > 0 && mremap_moves != mremap_total) {
    fprintf(stderr, "native-bench: warning: mremap moved %ld of %ld times\n", mremap_moves, mremap_total);
  }

  brk_base = (uintptr_t)syscall(SYS_brk, 0);
  run_loop("sys/brk-grow-shrink", bench_brk, 40, 7);

  printf("}}\n");
  return 0;
}
