#!/usr/bin/env python3
"""Sends one ZooKeeper four-letter-word command and prints the answer (health checks without Java tools)."""
import socket
import sys

host, port, word = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with socket.create_connection((host, port), timeout=5) as conn:
    conn.sendall(word.encode())
    chunks = []
    while chunk := conn.recv(4096):
        chunks.append(chunk)
print(b"".join(chunks).decode())
