def switch_to_eval(model):
    model.eval()
