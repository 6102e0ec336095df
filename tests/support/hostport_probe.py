#!/usr/bin/env python3
"""Traffic endpoints for the port mapping tests (the test image has no netcat).

  serve NAME --tcp P,P --udp P,P --ready FILE
      answers every TCP connection and UDP datagram on [::] (IPv4 too) with "NAME PEER\n",
      PEER being the source address it saw; touches FILE once listening.
  tcp HOST PORT [--timeout S]
  udp HOST PORT [--sport P] [--timeout S] [--tries N]
      prints the answer and exits 0, or exits 1 when none came.
"""
import argparse, os, select, socket, sys


def peer(addr):
    a = addr[0]
    return a[7:] if a.startswith("::ffff:") else a


def serve(args):
    socks = []
    for kind, ports in (("tcp", args.tcp), ("udp", args.udp)):
        for p in filter(None, (ports or "").split(",")):
            s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.bind(("::", int(p)))
            if kind == "tcp":
                s.listen(64)
            socks.append((kind, s))
    open(args.ready, "w").close()
    while True:
        ready, _, _ = select.select([s for _, s in socks], [], [])
        for kind, s in socks:
            if s not in ready:
                continue
            try:
                if kind == "tcp":
                    c, addr = s.accept()
                    c.sendall(("%s %s\n" % (args.name, peer(addr))).encode())
                    c.close()
                else:
                    _, addr = s.recvfrom(2048)
                    s.sendto(("%s %s\n" % (args.name, peer(addr))).encode(), addr)
            except OSError:
                pass


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def tcp(args):
    try:
        with socket.create_connection((args.host, args.port), timeout=args.timeout) as s:
            s.settimeout(args.timeout)
            data = s.recv(256)
    except OSError:
        return 1
    if not data:
        return 1
    sys.stdout.write(data.decode())
    return 0


def udp(args):
    s = socket.socket(family(args.host), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if args.sport:
        s.bind(("::" if family(args.host) == socket.AF_INET6 else "0.0.0.0", args.sport))
    for _ in range(args.tries):
        try:
            s.sendto(b"probe", (args.host, args.port))
        except OSError:
            pass
        r, _, _ = select.select([s], [], [], args.timeout)
        if r:
            try:
                data = s.recv(256)
            except OSError:  # an ICMP error answered instead
                continue
            sys.stdout.write(data.decode())
            return 0
    return 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("name")
    s.add_argument("--tcp")
    s.add_argument("--udp")
    s.add_argument("--ready", required=True)
    for kind in ("tcp", "udp"):
        c = sub.add_parser(kind)
        c.add_argument("host")
        c.add_argument("port", type=int)
        c.add_argument("--timeout", type=float, default=1.0)
        if kind == "udp":
            c.add_argument("--sport", type=int, default=0)
            c.add_argument("--tries", type=int, default=3)
    args = p.parse_args()
    if args.cmd == "serve":
        serve(args)
        return 0
    return tcp(args) if args.cmd == "tcp" else udp(args)


if __name__ == "__main__":
    sys.exit(main())
