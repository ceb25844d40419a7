# from lioryariv/idr code/evaluation/eval.py:136 and :144
# The model's forward calls implicit_network.gradient(), which runs torch.autograd.grad
# w.r.t. the surface points (normals for the rendering net); under no_grad it raises.
import torch
import utils.general as utils


def evaluate(conf, eval_dataset, eval_dataloader, total_pixels):
    model = utils.get_class(conf.get_string('train.model_class'))(conf=conf.get_config('model'))
    model.cuda()
    pose_vecs = torch.nn.Embedding(len(eval_dataset), 7, sparse=True).cuda()

    model.eval()
    pose_vecs.eval()

    with torch.no_grad():
        mesh = utils.extract_mesh(lambda x: model.implicit_network(x)[:, 0])

    for data_index, (indices, model_input, ground_truth) in enumerate(eval_dataloader):
        pose_input = pose_vecs(indices.cuda())
        model_input['pose'] = pose_input

        split = utils.split_input(model_input, total_pixels)
        res = []
        for s in split:
            out = model(s)
            res.append({'rgb_values': out['rgb_values'].detach()})
    return res
