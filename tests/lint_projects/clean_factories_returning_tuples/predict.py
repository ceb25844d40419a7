import torch

from drive.heads import build_head

if __name__ == "__main__":
    head, input_sizes, weights = build_head(21, (64,))
    head = head.to("cpu")
    with torch.no_grad():
        for features in [torch.randn(2, 64)]:
            print(head(features).argmax(dim=1))
