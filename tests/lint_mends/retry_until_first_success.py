# from open-mmlab/mmrazor mmrazor/models/task_modules/tracer/channel_analyzer.py:158
# A retry loop over forward modes: the model runs once on a demo input (break on success).
import copy

import torch.nn as nn


class ChannelAnalyzer:
    def __init__(self, demo_input):
        self.demo_input = demo_input

    def _find_mutable_units(self, model: nn.Module, units_config):
        model = copy.deepcopy(model).cpu()
        inputs = self.demo_input.get_data(model)
        model.eval()
        template_output = None
        if isinstance(inputs, dict):
            for mode in ['loss', 'tensor', 'predict']:
                try:
                    inputs['mode'] = mode
                    template_output = model(**inputs)
                    break
                except Exception as e:
                    print(f'Forward failed in {mode} mode as {e}')
        else:
            template_output = model(inputs)
        return template_output
