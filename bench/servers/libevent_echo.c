/*
 * Baseline: the same echo server in C against libevent 2.1, written as the libevent
 * book writes it (evconnlistener + bufferevent_socket_new(..., BEV_OPT_CLOSE_ON_FREE)
 * + a read callback that moves the input into the output).
 * Binds 127.0.0.1 only, prints `listening PORT` once bound, exits on SIGTERM.
 *
 *     gcc -O2 -o libevent_echo libevent_echo.c $(pkg-config --cflags --libs libevent)
 *     ./libevent_echo PORT [BACKLOG]   (PORT 0 = any free port; BACKLOG -1 = libevent's 128)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

static void echo_read_cb(struct bufferevent *bev, void *ctx) {
  struct evbuffer *input = bufferevent_get_input(bev);
  struct evbuffer *output = bufferevent_get_output(bev);
  (void)ctx;
  evbuffer_add_buffer(output, input);
}

static void echo_event_cb(struct bufferevent *bev, short events, void *ctx) {
  (void)ctx;
  if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) bufferevent_free(bev);
}

static void accept_conn_cb(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *address,
                           int socklen, void *ctx) {
  struct event_base *base = evconnlistener_get_base(listener);
  struct bufferevent *bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
  (void)address, (void)socklen, (void)ctx;
  bufferevent_setcb(bev, echo_read_cb, NULL, echo_event_cb, NULL);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void signal_cb(evutil_socket_t sig, short events, void *ctx) {
  (void)sig, (void)events;
  event_base_loopbreak((struct event_base *)ctx);
}

int main(int argc, char **argv) {
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(0x7f000001); /* 127.0.0.1 */
  sin.sin_port = htons(argc > 1 ? (unsigned short)atoi(argv[1]) : 0);

  struct event_base *base = event_base_new();
  if (!base) return 1;
  struct evconnlistener *listener = evconnlistener_new_bind(
      base, accept_conn_cb, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, argc > 2 ? atoi(argv[2]) : -1, (struct sockaddr *)&sin, sizeof sin);
  if (!listener) {
    perror("evconnlistener_new_bind");
    return 1;
  }
  getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&sin, &len);
  printf("listening %d\n", ntohs(sin.sin_port));
  fflush(stdout);

  struct event *term = evsignal_new(base, SIGTERM, signal_cb, base);
  event_add(term, NULL);
  event_base_dispatch(base);
  event_free(term);
  evconnlistener_free(listener);
  event_base_free(base);
  return 0;
}
