#include <THC/THC.h>
#include <torch/extension.h>
