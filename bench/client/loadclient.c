/*
 * loadclient: the echo-server load client of `npm run bench`.
 *
 * One process, one thread, epoll (level-triggered). It verifies every echoed byte
 * (content and order) and counts errors; a correct server gives "errors":0.
 *
 *   loadclient stream   HOST PORT CONNS SECONDS CHUNK   [tls]
 *   loadclient pingpong HOST PORT CONNS SECONDS MSGSIZE [tls]
 *   loadclient idle     HOST PORT CONNS [MAXPENDING]
 *
 * stream:   every connection writes CHUNK-byte writes of its own pseudo-random byte
 *           stream (at most WINDOW bytes in flight) and compares each echoed byte with
 *           the byte it sent at that position. Reports echoed bytes/s.
 * pingpong: every connection sends one MSGSIZE-byte message, waits for the whole
 *           echo, compares it, records the round-trip latency and sends the next.
 *           Reports round trips/s, p50 and p99.
 * idle:     opens CONNS connections (each confirmed by one echoed byte, so the server
 *           has accepted and set up every one), prints the JSON line, then holds
 *           them until its stdin closes. A line "echo" on stdin makes every connection
 *           echo one 64-byte message (verified), then prints a second JSON line
 *           ("mode":"echoed") and holds them again. MAXPENDING (default 100) is how
 *           many connections may be unconfirmed at once: the connect burst.
 *
 * Every mode first opens the connections with at most MAX_PENDING unconfirmed at a
 * time (a connection counts once its one-byte hello has been echoed), so the
 * server's accept backlog (128 for libevent's default) never overflows; the timed
 * window starts when all connections are confirmed. Output: one JSON line on stdout.
 *
 * Byte streams: connection i sends pat[(off_i + n) % PATLEN] as its n-th byte, where
 * pat is PATLEN pseudo-random bytes and PATLEN is prime, so neither chunk boundaries
 * nor a connection swap can line the streams up by accident.
 *
 * Build: gcc -O2 -o loadclient loadclient.c            (plain TCP)
 *        gcc -O2 -DLC_TLS -o loadclient loadclient.c -lssl -lcrypto   (adds `tls`)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef LC_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif

#define PATLEN 1048573u          /* prime */
#define EXTRA (1u << 18)         /* pat has PATLEN + EXTRA bytes: any read/write <= EXTRA is contiguous */
#define RBUF (1u << 18)          /* read size */
#define WINDOW (1u << 20)        /* stream: max bytes in flight per connection */
#define MAX_PENDING 100          /* default: unconfirmed connections at a time */
#define CONNECT_TIMEOUT_S 60.0
#define DRAIN_TIMEOUT_S 5.0
#define HELLO 'H'

enum state { ST_CONNECTING, ST_TLS_HANDSHAKE, ST_HELLO, ST_READY, ST_RUN, ST_DONE, ST_DEAD };
enum mode { M_STREAM, M_PINGPONG, M_IDLE };

struct conn {
  int fd;
  enum state state;
  uint32_t off;      /* where this connection's stream starts in pat */
  uint64_t sent;     /* stream bytes written (after the hello) */
  uint64_t recvd;    /* stream bytes echoed and verified */
  uint64_t t_send;   /* pingpong: when the current message was sent (ns) */
  uint32_t events;   /* epoll mask currently registered */
  int hello_sent;
#ifdef LC_TLS
  SSL *ssl;
#endif
};

static enum mode mode;
static unsigned char *pat;
static unsigned char *rbuf;
static int epfd;
static struct conn *conns;
static int nconns, chunk, msgsize, use_tls, max_pending = MAX_PENDING;
static double seconds;
static struct sockaddr_in addr;
static uint64_t errors;
static int running;        /* inside the timed window: start new writes/messages */
static int nready, npending, nopened, ndead;
static uint64_t *lat;      /* pingpong latencies, ns */
static size_t nlat, caplat;
static uint64_t window_rt;  /* round trips completed inside the window */
static const char *first_error;
#ifdef LC_TLS
static SSL_CTX *ctx;
#endif

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void note_error(const char *what) {
  errors++;
  if (!first_error) first_error = what;
}

static void make_pattern(void) {
  pat = malloc(PATLEN + EXTRA);
  rbuf = malloc(RBUF);
  if (!pat || !rbuf) {
    perror("malloc");
    exit(2);
  }
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (uint32_t i = 0; i < PATLEN; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    pat[i] = (unsigned char)(x >> 24);
  }
  for (uint32_t i = 0; i < EXTRA; i++) pat[PATLEN + i] = pat[i];
}

static void raise_nofile(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)nconns + 16) {
    fprintf(stderr, "loadclient: RLIMIT_NOFILE %lu is below %d connections\n", (unsigned long)rl.rlim_cur,
            nconns);
    exit(2);
  }
}

static void set_events(struct conn *c, uint32_t ev) {
  if (c->events == ev) return;
  struct epoll_event e = {.events = ev, .data.ptr = c};
  if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e) < 0) perror("epoll_ctl");
  c->events = ev;
}

static void kill_conn(struct conn *c, const char *why) {
  if (c->state == ST_DEAD) return;
  if (why) note_error(why);
  if (c->state < ST_READY) npending--;
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
#ifdef LC_TLS
  if (c->ssl) SSL_free(c->ssl), c->ssl = NULL;
#endif
  close(c->fd);
  c->state = ST_DEAD;
  ndead++;
}

/* ---- transport: plain or TLS. Returns >0 bytes, 0 EOF, -1 would block, -2 error. ---- */

static ssize_t tx(struct conn *c, const void *p, size_t n) {
#ifdef LC_TLS
  if (c->ssl) {
    int r = SSL_write(c->ssl, p, (int)n);
    if (r > 0) return r;
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) return -1;
    return -2;
  }
#endif
  ssize_t r = send(c->fd, p, n, MSG_NOSIGNAL);
  if (r >= 0) return r;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return -1;
  return -2;
}

static ssize_t rx(struct conn *c, void *p, size_t n) {
#ifdef LC_TLS
  if (c->ssl) {
    int r = SSL_read(c->ssl, p, (int)n);
    if (r > 0) return r;
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return -1;
    if (e == SSL_ERROR_ZERO_RETURN) return 0;
    return -2;
  }
#endif
  ssize_t r = recv(c->fd, p, n, 0);
  if (r >= 0) return r;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return -1;
  return -2;
}

/* ---- connection set-up ----------------------------------------------------------- */

static void open_next(void) {
  while (npending < max_pending && nopened < nconns) {
    struct conn *c = &conns[nopened];
    c->off = (uint32_t)(((uint64_t)nopened * 2654435761u) % PATLEN);
    nopened++;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      perror("socket");
      exit(2);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->fd = fd;
    c->state = ST_CONNECTING;
    npending++;
    c->events = EPOLLOUT;
    struct epoll_event e = {.events = EPOLLOUT, .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) kill_conn(c, "connect");
  }
}

static void send_hello(struct conn *c) {
  unsigned char h = HELLO;
  ssize_t r = tx(c, &h, 1);
  if (r == 1) {
    c->hello_sent = 1;
    set_events(c, EPOLLIN);
  } else if (r == -1) {
    set_events(c, EPOLLIN | EPOLLOUT);
  } else {
    kill_conn(c, "hello write");
  }
}

#ifdef LC_TLS
static void tls_step(struct conn *c) {
  int r = SSL_connect(c->ssl);
  if (r == 1) {
    c->state = ST_HELLO;
    send_hello(c);
    return;
  }
  int e = SSL_get_error(c->ssl, r);
  if (e == SSL_ERROR_WANT_READ) set_events(c, EPOLLIN);
  else if (e == SSL_ERROR_WANT_WRITE) set_events(c, EPOLLIN | EPOLLOUT);
  else kill_conn(c, "tls handshake");
}
#endif

static void on_connected(struct conn *c) {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err) {
    kill_conn(c, "connect");
    return;
  }
#ifdef LC_TLS
  if (use_tls) {
    c->ssl = SSL_new(ctx);
    SSL_set_fd(c->ssl, c->fd);
    c->state = ST_TLS_HANDSHAKE;
    tls_step(c);
    return;
  }
#endif
  c->state = ST_HELLO;
  send_hello(c);
}

static void on_hello(struct conn *c) {
  if (!c->hello_sent) {
    send_hello(c);
    return;
  }
  unsigned char h;
  ssize_t r = rx(c, &h, 1);
  if (r == -1) return;
  if (r != 1 || h != HELLO) {
    kill_conn(c, r == 1 ? "hello mismatch" : "hello read");
    return;
  }
  c->state = ST_READY;
  npending--;
  nready++;
  set_events(c, EPOLLIN);
}

/* ---- stream ---------------------------------------------------------------------- */

static void stream_write(struct conn *c) {
  for (;;) {
    uint64_t inflight = c->sent - c->recvd;
    size_t left = (size_t)chunk - (size_t)(c->sent % (uint64_t)chunk); /* rest of the current chunk */
    if (left == (size_t)chunk && (!running || inflight + (uint64_t)chunk > WINDOW)) break;
    ssize_t r = tx(c, pat + (c->off + c->sent) % PATLEN, left);
    if (r > 0) {
      c->sent += (uint64_t)r;
      continue;
    }
    if (r == -1) {
      set_events(c, EPOLLIN | EPOLLOUT);
      return;
    }
    kill_conn(c, "write");
    return;
  }
  set_events(c, EPOLLIN);
}

static void stream_read(struct conn *c) {
  for (int i = 0; i < 16; i++) {
    ssize_t r = rx(c, rbuf, RBUF);
    if (r == -1) break;
    if (r == 0) {
      kill_conn(c, "unexpected EOF");
      return;
    }
    if (r < 0) {
      kill_conn(c, "read");
      return;
    }
    if (c->recvd + (uint64_t)r > c->sent) {
      kill_conn(c, "echoed more than was sent");
      return;
    }
    if (memcmp(rbuf, pat + (c->off + c->recvd) % PATLEN, (size_t)r) != 0) {
      kill_conn(c, "echoed bytes differ (content or order)");
      return;
    }
    c->recvd += (uint64_t)r;
    if ((size_t)r < RBUF && !use_tls) break;
  }
  stream_write(c);
}

/* ---- ping-pong ------------------------------------------------------------------- */

static void pp_send(struct conn *c) {
  /* A message is written in one call; a partial write is finished on EPOLLOUT. */
  while (c->sent % (uint64_t)msgsize != 0 || (c->sent == c->recvd && running)) {
    if (c->sent == c->recvd) c->t_send = now_ns();
    size_t left = (size_t)msgsize - (size_t)(c->sent % (uint64_t)msgsize);
    ssize_t r = tx(c, pat + (c->off + c->sent) % PATLEN, left);
    if (r > 0) {
      c->sent += (uint64_t)r;
      if (c->sent % (uint64_t)msgsize == 0) break;
      continue;
    }
    if (r == -1) {
      set_events(c, EPOLLIN | EPOLLOUT);
      return;
    }
    kill_conn(c, "write");
    return;
  }
  set_events(c, EPOLLIN);
}

static void pp_read(struct conn *c) {
  for (;;) {
    ssize_t r = rx(c, rbuf, RBUF);
    if (r == -1) break;
    if (r == 0) {
      kill_conn(c, "unexpected EOF");
      return;
    }
    if (r < 0) {
      kill_conn(c, "read");
      return;
    }
    if (c->recvd + (uint64_t)r > c->sent) {
      kill_conn(c, "echoed more than was sent");
      return;
    }
    if (memcmp(rbuf, pat + (c->off + c->recvd) % PATLEN, (size_t)r) != 0) {
      kill_conn(c, "echoed bytes differ (content or order)");
      return;
    }
    c->recvd += (uint64_t)r;
    if (c->recvd == c->sent && c->sent % (uint64_t)msgsize == 0) {
      if (running) {
        uint64_t d = now_ns() - c->t_send;
        if (nlat == caplat) {
          caplat = caplat ? caplat * 2 : 1 << 16;
          lat = realloc(lat, caplat * sizeof *lat);
          if (!lat) exit(2);
        }
        lat[nlat++] = d;
        window_rt++;
      }
      break;
    }
    if (!use_tls) break;
  }
  pp_send(c);
}

/* ---- loop ------------------------------------------------------------------------ */

static int poll_once(int timeout_ms);

/* idle: every held connection echoes one 64-byte message, then holds again */
static void idle_echo(void) {
  msgsize = 64;
  for (int i = 0; i < nconns; i++)
    if (conns[i].state == ST_READY) conns[i].state = ST_RUN;
  running = 1; /* pp_send starts one message per connection; none after it */
  for (int i = 0; i < nconns; i++)
    if (conns[i].state == ST_RUN && conns[i].sent == conns[i].recvd) pp_send(&conns[i]);
  running = 0;
  uint64_t t0 = now_ns();
  for (;;) {
    int outstanding = 0;
    for (int i = 0; i < nconns; i++)
      if (conns[i].state == ST_RUN && conns[i].recvd != conns[i].sent) outstanding++;
    if (!outstanding) break;
    if ((double)(now_ns() - t0) / 1e9 > CONNECT_TIMEOUT_S) {
      for (int i = 0; i < nconns; i++)
        if (conns[i].state == ST_RUN && conns[i].recvd != conns[i].sent) kill_conn(&conns[i], "echo incomplete");
      break;
    }
    poll_once(100);
  }
  int ok = 0;
  for (int i = 0; i < nconns; i++)
    if (conns[i].state == ST_RUN) ok++;
  printf("{\"mode\":\"echoed\",\"conns_ok\":%d,\"echo_ms\":%.1f,\"errors\":%llu}\n", ok,
         (double)(now_ns() - t0) / 1e6, (unsigned long long)errors);
  fflush(stdout);
}

static void handle(struct conn *c, uint32_t ev) {
  if (c->state == ST_DEAD) return;
  if (c->state == ST_CONNECTING) {
    on_connected(c);
    return;
  }
#ifdef LC_TLS
  if (c->state == ST_TLS_HANDSHAKE) {
    tls_step(c);
    return;
  }
#endif
  if (c->state == ST_HELLO) {
    on_hello(c);
    return;
  }
  if (c->state == ST_READY) {
    /* idle, or waiting for the window to open: nothing may arrive */
    ssize_t r = rx(c, rbuf, RBUF);
    if (r == -1) return;
    kill_conn(c, r == 0 ? "unexpected EOF" : r > 0 ? "unexpected data" : "read");
    return;
  }
  if (ev & (EPOLLERR)) {
    kill_conn(c, "socket error");
    return;
  }
  if (mode == M_STREAM) {
    if (ev & EPOLLIN) stream_read(c);
    else stream_write(c);
  } else {
    if (ev & EPOLLIN) pp_read(c);
    else pp_send(c);
  }
}

static int poll_once(int timeout_ms) {
  struct epoll_event evs[256];
  int n = epoll_wait(epfd, evs, 256, timeout_ms);
  if (n < 0 && errno != EINTR) {
    perror("epoll_wait");
    exit(2);
  }
  for (int i = 0; i < n; i++) {
    if (evs[i].data.ptr == NULL) return 1; /* stdin */
    handle(evs[i].data.ptr, evs[i].events);
  }
  return 0;
}

/* user+system CPU seconds of this process: the bench subtracts it from the machine's
 * busy time to see whether anything else ran during a measurement */
static double self_cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void usage(void) {
  fprintf(stderr,
          "usage: loadclient stream   HOST PORT CONNS SECONDS CHUNK   [tls]\n"
          "       loadclient pingpong HOST PORT CONNS SECONDS MSGSIZE [tls]\n"
          "       loadclient idle     HOST PORT CONNS [MAXPENDING]\n");
  exit(2);
}

int main(int argc, char **argv) {
  if (argc < 5) usage();
  if (!strcmp(argv[1], "stream")) mode = M_STREAM;
  else if (!strcmp(argv[1], "pingpong")) mode = M_PINGPONG;
  else if (!strcmp(argv[1], "idle")) mode = M_IDLE;
  else usage();
  if (mode != M_IDLE && argc < 7) usage();
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)atoi(argv[3]));
  if (inet_pton(AF_INET, argv[2], &addr.sin_addr) != 1) {
    fprintf(stderr, "loadclient: HOST must be an IPv4 address\n");
    return 2;
  }
  nconns = atoi(argv[4]);
  if (mode != M_IDLE) {
    seconds = atof(argv[5]);
    if (mode == M_STREAM) chunk = atoi(argv[6]);
    else msgsize = atoi(argv[6]);
    use_tls = argc > 7 && !strcmp(argv[7], "tls");
  } else if (argc > 5) {
    max_pending = atoi(argv[5]);
    if (max_pending < 1) usage();
  }
  if (nconns < 1 || (mode == M_STREAM && (chunk < 1 || chunk > (int)EXTRA)) ||
      (mode == M_PINGPONG && (msgsize < 1 || msgsize > (int)EXTRA)))
    usage();
#ifndef LC_TLS
  if (use_tls) {
    fprintf(stderr, "loadclient: built without TLS (compile with -DLC_TLS -lssl -lcrypto)\n");
    return 2;
  }
#else
  if (use_tls) {
    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  }
#endif
  signal(SIGPIPE, SIG_IGN);
  raise_nofile();
  make_pattern();
  conns = calloc((size_t)nconns, sizeof *conns);
  epfd = epoll_create1(EPOLL_CLOEXEC);

  /* connect phase */
  uint64_t t_connect = now_ns();
  open_next();
  while (nready + ndead < nconns) {
    poll_once(100);
    open_next();
    if ((double)(now_ns() - t_connect) / 1e9 > CONNECT_TIMEOUT_S) {
      for (int i = 0; i < nconns; i++)
        if (conns[i].state < ST_READY) kill_conn(&conns[i], "connect timeout");
      break;
    }
  }
  double connect_ms = (double)(now_ns() - t_connect) / 1e6;

  if (mode == M_IDLE) {
    printf("{\"mode\":\"idle\",\"conns\":%d,\"conns_ok\":%d,\"connect_ms\":%.1f,\"errors\":%llu%s%s%s}\n", nconns,
           nready, connect_ms, (unsigned long long)errors, first_error ? ",\"first_error\":\"" : "",
           first_error ? first_error : "", first_error ? "\"" : "");
    fflush(stdout);
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &e) < 0) {
      char b[256]; /* stdin is not pollable (a file): hold until it reads EOF */
      while (read(0, b, sizeof b) > 0) {
      }
    } else {
      for (;;) {
        if (poll_once(-1)) {
          char b[256];
          ssize_t r = read(0, b, sizeof b);
          if (r <= 0) break;
          if (memchr(b, 'e', (size_t)r)) idle_echo();
        }
      }
    }
    /* a second line: errors seen while holding (a server that dropped connections) */
    printf("{\"mode\":\"idle_end\",\"conns_ok\":%d,\"errors\":%llu}\n", nready - ndead + (nconns - nready),
           (unsigned long long)errors);
    return 0;
  }

  /* timed window */
  for (int i = 0; i < nconns; i++)
    if (conns[i].state == ST_READY) conns[i].state = ST_RUN;
  running = 1;
  uint64_t t0 = now_ns();
  uint64_t t_end = t0 + (uint64_t)(seconds * 1e9);
  for (int i = 0; i < nconns; i++) {
    if (conns[i].state != ST_RUN) continue;
    if (mode == M_STREAM) stream_write(&conns[i]);
    else pp_send(&conns[i]);
  }
  for (;;) {
    uint64_t t = now_ns();
    if (t >= t_end) break;
    int ms = (int)((t_end - t) / 1000000ull) + 1;
    poll_once(ms > 100 ? 100 : ms);
  }
  running = 0;
  double elapsed = (double)(now_ns() - t0) / 1e9;
  uint64_t bytes = 0;
  for (int i = 0; i < nconns; i++) bytes += conns[i].recvd;

  /* drain: everything sent must still come back */
  uint64_t t_drain = now_ns();
  for (;;) {
    int outstanding = 0;
    for (int i = 0; i < nconns; i++)
      if (conns[i].state == ST_RUN && conns[i].recvd != conns[i].sent) outstanding++;
    if (!outstanding) break;
    if ((double)(now_ns() - t_drain) / 1e9 > DRAIN_TIMEOUT_S) {
      for (int i = 0; i < nconns; i++)
        if (conns[i].state == ST_RUN && conns[i].recvd != conns[i].sent) kill_conn(&conns[i], "echo incomplete");
      break;
    }
    poll_once(50);
  }
  int alive = 0;
  for (int i = 0; i < nconns; i++)
    if (conns[i].state == ST_RUN) alive++;

  char err[200] = "";
  if (first_error) snprintf(err, sizeof err, ",\"first_error\":\"%s\"", first_error);
  if (mode == M_STREAM) {
    printf("{\"mode\":\"stream\",\"conns\":%d,\"conns_ok\":%d,\"chunk\":%d,\"seconds\":%.3f,\"bytes\":%llu,"
           "\"mb_per_s\":%.2f,\"connect_ms\":%.1f,\"cpu_s\":%.3f,\"errors\":%llu%s}\n",
           nconns, alive, chunk, elapsed, (unsigned long long)bytes, (double)bytes / elapsed / 1e6, connect_ms,
           self_cpu_s(), (unsigned long long)errors, err);
  } else {
    double p50 = 0, p99 = 0;
    if (nlat) {
      qsort(lat, nlat, sizeof *lat, cmp_u64);
      p50 = (double)lat[nlat / 2] / 1e3;
      p99 = (double)lat[(size_t)((double)nlat * 0.99)] / 1e3;
    }
    printf("{\"mode\":\"pingpong\",\"conns\":%d,\"conns_ok\":%d,\"msgsize\":%d,\"seconds\":%.3f,"
           "\"round_trips\":%llu,\"rt_per_s\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"connect_ms\":%.1f,"
           "\"cpu_s\":%.3f,\"errors\":%llu%s}\n",
           nconns, alive, msgsize, elapsed, (unsigned long long)window_rt, (double)window_rt / elapsed, p50, p99,
           connect_ms, self_cpu_s(), (unsigned long long)errors, err);
  }
  for (int i = 0; i < nconns; i++)
    if (conns[i].state != ST_DEAD) close(conns[i].fd);
  return 0;
}
