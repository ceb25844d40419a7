from tools import ping


def pong(model, n):
    ping.ping(model, n)
