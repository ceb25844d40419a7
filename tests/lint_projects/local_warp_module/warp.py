"""An optical-flow project's own image warping: no framework."""


def warp_image(x, flow):
    return x
