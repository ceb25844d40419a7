# DSE-MSU/DeepRobust defense/pgdtraining.py: the test loop also measures adversarial
# accuracy through self.adv_data(...), which runs a PGD attack (backward inside)
class PGDtraining:
    def __init__(self, model, attack):
        self.model = model
        self.attack = attack

    def test(self, model, test_loader):
        model.eval()
        correct = correct_adv = 0
        for data, target in test_loader:
            output = model(data)
            correct += output.argmax(dim=1).eq(target).sum().item()
            data_adv, output_adv = self.adv_data(data, target)
            correct_adv += output_adv.argmax(dim=1).eq(target).sum().item()
        return correct, correct_adv

    def adv_data(self, data, output):
        data_adv = self.attack.generate(data, output.flatten())
        return data_adv, self.model(data_adv)
