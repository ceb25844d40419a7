from pointops._C import knn_query_cuda  # noqa: F401
