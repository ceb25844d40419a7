from .cnn_encoder import CNNEncoder
