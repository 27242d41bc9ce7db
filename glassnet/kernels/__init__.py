"""Array code with no autograd: the NumPy (and optional numba) kernels the ops call.

Nothing here sees a Tensor or a graph node. ``windows`` lays out the sliding
windows of convolution and pooling, ``conv_rows`` the row-window convolutions
of inference, ``recurrent`` one RNN/LSTM/GRU time step forward and backward,
and ``recurrent_numba`` the compiled float32 LSTM and GRU steps.
"""
