# voldemortX/pytorch-auto-drive: the network is the first item of what a project function
# returns, a torchvision DeepLabV3 or FCN (batch norm, dropout); the project never calls eval()
import torch

from drive.semseg import build_segmentation_model

if __name__ == "__main__":
    net, input_sizes, weights = build_segmentation_model("deeplabv3", 21, (505, 505))
    net = net.to("cpu")
    net.load_state_dict(torch.load("model.pt", weights_only=True)["model"])
    loader = [torch.randn(1, 3, 505, 505)]
    with torch.no_grad():
        for images in loader:
            labels = net(images)["out"].argmax(dim=1)  # expect: missing-eval
            torch.save(labels, "labels.pt")
