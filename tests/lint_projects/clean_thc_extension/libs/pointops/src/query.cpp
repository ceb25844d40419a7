#include <torch/serialize/tensor.h>
#include <THC/THC.h>

extern THCState *state;

void knn_query_cuda(int m, int nsample, at::Tensor xyz_tensor) {}
