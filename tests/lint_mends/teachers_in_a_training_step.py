# from open-mmlab/mmrazor mmrazor/models/algorithms/distill/configurable/datafree_distillation.py:206
# The generator is trained through the (eval-mode) teachers: the teacher forward must keep autograd.
import torch
import torch.nn as nn


class DAFLDataFreeDistillation(nn.Module):
    def __init__(self, generator, student, teachers, distiller):
        super().__init__()
        self.generator = generator
        self.student = student
        self.teachers = nn.ModuleDict(teachers)
        self.generator_distiller = distiller

    def train_step(self, data, optim_wrapper):
        batch_size = len(data['inputs'])
        for _, teacher in self.teachers.items():
            teacher.eval()
        fakeimg_init = torch.randn((batch_size, self.generator.latent_dim))
        fakeimg = self.generator(fakeimg_init, batch_size)
        with optim_wrapper['generator'].optim_context(self.generator):
            with self.generator_distiller.student_recorders:
                _ = self.student(fakeimg, mode='loss')
            with self.generator_distiller.teacher_recorders:
                for _, teacher in self.teachers.items():
                    _ = teacher(fakeimg, mode='loss')
            loss_generator = self.generator_distiller.compute_distill_losses()
        optim_wrapper['generator'].update_params(sum(loss_generator.values()))
        return loss_generator
