"""The table-read convolution and pool are the dense ones: values and every gradient."""

import pytest
import torch
from seqzoo_modelbased.table_conv import conv_max, windows
from torch import nn


def dense(x, embed, weight, bias, padding):
    m, b, length = x.shape
    width = embed.shape[-1]
    e = torch.gather(embed, 1, x.reshape(m, b * length, 1).expand(-1, -1, width))
    h = e.view(m, b, length, width).permute(1, 0, 3, 2).reshape(b, m * width, length)
    h = nn.functional.conv1d(h, weight, bias, padding=padding, groups=m)
    return h.max(-1).values.view(b, m, -1).transpose(0, 1)


@pytest.mark.parametrize("members,states,width,channels,kernel,padding,length",
                         [(3, 32, 16, 32, 5, 2, 32), (2, 4, 3, 5, 3, 1, 8), (1, 6, 4, 7, 5, 0, 9)])
def test_values_and_gradients_match_the_dense_convolution(members, states, width, channels,
                                                          kernel, padding, length):
    g = torch.Generator().manual_seed(0)
    embed = torch.randn(members, states, width, generator=g, dtype=torch.float64)
    weight = torch.randn(members * channels, width, kernel, generator=g, dtype=torch.float64)
    bias = torch.randn(members * channels, generator=g, dtype=torch.float64)
    x = torch.randint(states, (members, 40, length), generator=g)
    x[:, :3] = 1  # rows of one repeated state: the interior positions tie for the maximum
    upstream = torch.randn(members, 40, channels, generator=g, dtype=torch.float64)
    results = []
    rows = windows(x, states, kernel, padding)
    for f in (lambda *p: dense(x, *p, padding), lambda *p: conv_max(rows, *p)):
        params = [t.clone().requires_grad_() for t in (embed, weight, bias)]
        out = f(*params)
        (out * upstream).sum().backward()
        results.append([out.detach()] + [p.grad for p in params])
    for want, got in zip(*results):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)


def test_inference_reads_the_same_values_without_saving_indices():
    g = torch.Generator().manual_seed(1)
    embed, weight = torch.randn(2, 5, 4, generator=g), torch.randn(6, 4, 5, generator=g)
    bias, x = torch.randn(6, generator=g), torch.randint(5, (2, 7, 11), generator=g)
    with torch.inference_mode():
        got = conv_max(windows(x, 5, 5, 2), embed, weight, bias)
    torch.testing.assert_close(got, dense(x, embed, weight, bias, 2), rtol=1e-5, atol=1e-5)
