"""``model.summary()``: parameter counts, output shapes, FLOPs and the table's totals."""

import re

import numpy as np
import pytest
import torch

import glassnet
from glassnet import nn
from glassnet.training.summary import summary


def mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(256, 128), nn.Tanh(), nn.Linear(128, 10))


def torch_mlp():
    return torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                               torch.nn.Linear(256, 128), torch.nn.Tanh(), torch.nn.Linear(128, 10))


def number_after(label, text):
    match = re.search(rf"^{label}:\s*~?([\d,]+)", text, re.MULTILINE)
    assert match, f"no line '{label}:' in\n{text}"
    return int(match.group(1).replace(",", ""))


def rows(text):
    """Table rows as lists of cells (cells are separated by 2+ spaces)."""
    lines = [line for line in text.splitlines()[3:] if re.match(r"\s*\S+ \(\w+\)", line)]
    return [re.split(r"\s{2,}", line.strip()) for line in lines]


def test_parameter_counts_match_numel_and_torch(capsys):
    model = mlp()
    text = model.summary((784,))
    assert capsys.readouterr().out.strip() == text.strip()  # printed and returned
    expected = sum(p.numel() for p in model.parameters())
    assert expected == sum(p.numel() for p in torch_mlp().parameters())
    assert number_after("Total params", text) == expected
    assert number_after("Trainable params", text) == expected
    assert number_after("Non-trainable params", text) == 0
    per_row = [int(r[2].replace(",", "")) for r in rows(text)]
    assert per_row == [200_960, 0, 0, 32_896, 0, 1_290]
    assert sum(per_row) == expected


def test_frozen_parameters_are_non_trainable():
    model = mlp()
    model[0].requires_grad_(False)
    text = summary(model, (784,), print_fn=None)
    assert number_after("Trainable params", text) == 32_896 + 1_290
    assert number_after("Non-trainable params", text) == 200_960


def test_output_shapes_and_linear_flops():
    text = summary(mlp(), (784,), print_fn=None)
    table = rows(text)
    assert [r[0] for r in table] == ["0 (Linear)", "1 (ReLU)", "2 (Dropout)", "3 (Linear)", "4 (Tanh)",
                                     "5 (Linear)"]
    assert [r[1] for r in table] == ["(None, 256)"] * 3 + ["(None, 128)"] * 2 + ["(None, 10)"]
    flops = [int(r[3].replace(",", "")) for r in table]
    # Linear: 2 * in * out per sample; activations 1 per element; Dropout is free at inference.
    assert flops == [2 * 784 * 256, 256, 0, 2 * 256 * 128, 128, 2 * 128 * 10]
    assert number_after("Total FLOPs", text) == sum(flops)
    assert "multiply-add counts as 2 FLOPs" in text


def test_batch_size_is_shown_and_flops_stay_per_sample():
    text = summary(mlp(), (784,), batch_size=32, print_fn=None)
    assert rows(text)[0][1] == "(32, 256)"
    assert int(rows(text)[0][3].replace(",", "")) == 2 * 784 * 256


def test_linear_on_sequences_counts_every_position():
    model = nn.Sequential(nn.Linear(6, 4), nn.Sigmoid())
    table = rows(summary(model, (5, 6), print_fn=None))
    assert table[0][1] == "(None, 5, 4)"
    assert int(table[0][3]) == 2 * 6 * 4 * 5
    assert int(table[1][3]) == 5 * 4


def test_input_shape_inferred_from_first_linear_or_left_unknown():
    text = summary(mlp(), print_fn=None)
    assert "(784,) taken from the first Linear" in text and rows(text)[0][1] == "(None, 256)"

    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            return self.fc(x * 2)

    text = summary(Scaled(), print_fn=None)
    assert rows(text)[0][1:] == ["?", "8", "?"]
    assert number_after("Total params", text) == 8 and "Total FLOPs" not in text


def test_custom_module_nested_and_shared_layers():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.shared = nn.Linear(4, 4)
            self.head = nn.Sequential(nn.ReLU(), nn.Linear(4, 1))

        def forward(self, x):
            return self.head(self.shared(self.shared(x)))

    model = Net()
    text = summary(model, (4,), print_fn=None)
    table = rows(text)
    assert [r[0] for r in table] == ["shared (Linear)", "shared (Linear)", "head.0 (ReLU)", "head.1 (Linear)"]
    assert table[1][2] == "(shared)"
    # The shared layer's weights are counted once, its work twice.
    assert number_after("Total params", text) == sum(p.numel() for p in model.parameters()) == 25
    assert number_after("Total FLOPs", text) == 2 * (2 * 16) + 4 + 2 * 4


def test_generic_estimate_is_marked():
    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.gain = nn.Parameter(glassnet.ones(5))

        def forward(self, x):
            return x * self.gain

    text = summary(nn.Sequential(nn.Linear(2, 5), Scale()), (2,), print_fn=None)
    assert rows(text)[1][3].startswith("~")
    assert re.search(r"^Total FLOPs: ~", text, re.MULTILINE)


def test_model_is_left_as_it_was():
    model = mlp()
    model[2].train()
    model[1].eval()
    before = {name: m.training for name, m in model.named_modules()}
    weights = [p.array.copy() for p in model.parameters()]
    summary(model, (784,), print_fn=None)
    assert {name: m.training for name, m in model.named_modules()} == before
    assert all("forward" not in m.__dict__ for m in model.modules())
    assert all(np.array_equal(w, p.array) for w, p in zip(weights, model.parameters()))
    assert all(p.grad is None for p in model.parameters())


def test_forward_failure_names_the_shape_and_unwraps():
    model = mlp()
    with pytest.raises(RuntimeError, match=r"summary: running Sequential on a dummy batch of shape \(3, 5\)"):
        summary(model, (5,), print_fn=None)
    assert all("forward" not in m.__dict__ for m in model.modules())
    assert model.training


@pytest.mark.parametrize("bad", [(0,), "784", (784.0,), [-1, 3]])
def test_bad_input_shape(bad):
    with pytest.raises(ValueError, match="summary: input_shape must be"):
        summary(mlp(), bad, print_fn=None)


def test_bad_arguments():
    with pytest.raises(TypeError, match="summary: expected an nn.Module"):
        summary(torch_mlp(), (784,))
    with pytest.raises(ValueError, match="summary: batch_size must be"):
        summary(mlp(), (784,), batch_size=0)


def test_lazy_layers_are_built_by_the_dummy_forward():
    model = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
    assert "Output shapes and FLOPs unknown" in summary(model, print_fn=None)
    text = summary(model, (13,), print_fn=None)
    assert [r[2] for r in rows(text)] == ["112", "0", "9"]
    assert number_after("Total params", text) == sum(p.numel() for p in model.parameters()) == 121
    assert int(rows(text)[0][3]) == 2 * 13 * 8
    assert all("forward" not in m.__dict__ for m in model.modules())


def test_convolution_pooling_and_norm_rows():
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 4, 3, groups=2), nn.Flatten(), nn.Linear(4 * 12 * 12, 10))
    tnn = torch.nn
    reference = tnn.Sequential(tnn.Conv2d(1, 6, 5, padding=2), tnn.BatchNorm2d(6), tnn.ReLU(),
                               tnn.MaxPool2d(2), tnn.Conv2d(6, 4, 3, groups=2), tnn.Flatten(),
                               tnn.Linear(4 * 12 * 12, 10))
    text = summary(model, (1, 28, 28), print_fn=None)
    table = rows(text)
    assert [r[1] for r in table[:5]] == ["(None, 6, 28, 28)"] * 3 + ["(None, 6, 14, 14)", "(None, 4, 12, 12)"]
    assert number_after("Total params", text) == sum(p.numel() for p in reference.parameters())
    flops = [int(r[3].replace(",", "")) for r in table]
    # A convolution does (in_channels / groups) * kernel area multiply-adds per output element.
    assert flops[0] == 2 * 1 * 25 * 6 * 28 * 28
    assert flops[4] == 2 * 3 * 9 * 4 * 12 * 12
    assert flops[1] == 2 * 6 * 28 * 28 and flops[3] == 4 * 6 * 14 * 14
    assert "Buffers" in text


def test_a_layer_states_its_own_flops_and_summary_uses_them():
    class Square(nn.Module):
        flops_per_output_element = 1

        def forward(self, x):
            return x * x

    class Projection(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(glassnet.randn(4, 3))

        def forward(self, x):
            return x @ self.weight.t()

        def flops(self, in_shape, out_shape):
            return 2 * 3 * 4 * in_shape[0]

    model = nn.Sequential(Projection(), Square())
    text = model.summary(input_shape=(3,))
    rows = {line.split()[1]: line for line in text.splitlines() if line.startswith(("0 ", "1 "))}
    assert rows["(Projection)"].split()[-1] == "24" and "~" not in rows["(Projection)"]
    assert rows["(Square)"].split()[-1] == "4"
    assert "Total FLOPs: 28 per sample" in text


def test_a_fused_block_still_gives_one_row_per_layer():
    """Sequential fuses Conv2d, ReLU, MaxPool2d (nn/fusion.py); the summary must still see each."""
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
    table = rows(summary(model, (1, 28, 28), print_fn=None))
    assert [r[1] for r in table] == ["(None, 6, 28, 28)"] * 2 + ["(None, 6, 14, 14)", "(None, 1176)"]
