import torch

from tagger.modeling import Exported, Tagger


def main(batches, labels):
    model = Tagger()
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
    for x, y in zip(batches, labels):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    model.eval()  # (the caller switches it: the project calls eval())
    print(model.predict(batches[:1]))
    Exported().export_onnx("model.onnx")


if __name__ == "__main__":
    main([], [])
