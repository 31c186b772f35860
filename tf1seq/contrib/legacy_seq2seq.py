"""TF1's `tf.contrib.legacy_seq2seq`, Keras-free, with TF1's variable names.

The statically unrolled sequence-to-sequence models of TensorFlow 1.x's
translate tutorial: every sequence is a Python list of per-step
`[batch, ...]` tensors (ids for the `embedding_*` models). Variables keep
TF1's names, so old checkpoints restore, e.g. for
`embedding_attention_seq2seq` with a `GRUCell`:

  embedding_attention_seq2seq/rnn/embedding_wrapper/embedding
  embedding_attention_seq2seq/rnn/embedding_wrapper/gru_cell/gates/kernel
  embedding_attention_seq2seq/embedding_attention_decoder/embedding
  .../embedding_attention_decoder/attention_decoder/AttnW_0, AttnV_0,
      kernel, bias, Attention_0/{kernel,bias},
      AttnOutputProjection/{kernel,bias},
      output_projection_wrapper/{kernel,bias,gru_cell/...}

`feed_previous` may be a Python bool or a boolean tensor (then both
decoders are built and `tf.cond` picks one, sharing the variables).

Usage:

  from tf1seq import rnn_cell
  from tf1seq.contrib import legacy_seq2seq
  outputs, state = legacy_seq2seq.embedding_attention_seq2seq(
      encoder_inputs, decoder_inputs, rnn_cell.GRUCell(128),
      num_encoder_symbols=vocab, num_decoder_symbols=vocab,
      embedding_size=64, feed_previous=False)
  loss = legacy_seq2seq.sequence_loss(outputs, targets, weights)
"""

import copy

import tensorflow as tf

from tf1seq.cells import contrib_wrappers

_linear = contrib_wrappers.linear
_static_rnn = tf.compat.v1.nn.static_rnn
_variable_scope = tf.compat.v1.variable_scope
_get_variable = tf.compat.v1.get_variable


def _reuse_from_now_on():
  tf.compat.v1.get_variable_scope().reuse_variables()


def _extract_argmax_and_embed(embedding, output_projection=None,
                              update_embedding=True):
  """A loop function: embeds the argmax of the previous output."""

  def loop_function(prev, _):
    if output_projection is not None:
      prev = tf.compat.v1.nn.xw_plus_b(prev, output_projection[0],
                                       output_projection[1])
    embedded = tf.nn.embedding_lookup(embedding, tf.argmax(prev, 1))
    if not update_embedding:
      embedded = tf.stop_gradient(embedded)
    return embedded

  return loop_function


def _flat_state(state):
  return tf.nest.flatten(state) if tf.nest.is_nested(state) else [state]


def _choose_decoder(feed_previous, decoder, num_outputs, state_structure):
  """`tf.cond` between `decoder(True)` and `decoder(False)`.

  `decoder(flag)` returns `outputs + flattened state`; the first branch
  creates the variables, the second reuses them, as TF1 did.
  """
  outputs_and_state = tf.compat.v1.cond(
      feed_previous, lambda: decoder(True), lambda: decoder(False))
  state_list = outputs_and_state[num_outputs:]
  state = state_list[0]
  if tf.nest.is_nested(state_structure):
    state = tf.nest.pack_sequence_as(state_structure, state_list)
  return outputs_and_state[:num_outputs], state


def _check_projection(output_projection, num_symbols, dtype):
  weights = tf.convert_to_tensor(output_projection[0], dtype=dtype)
  weights.shape.assert_is_compatible_with([None, num_symbols])
  biases = tf.convert_to_tensor(output_projection[1], dtype=dtype)
  biases.shape.assert_is_compatible_with([num_symbols])


def rnn_decoder(decoder_inputs, initial_state, cell, loop_function=None,
                scope=None):
  """Runs `cell` over `decoder_inputs` from `initial_state`.

  Args:
    decoder_inputs: list of `[batch, depth]` tensors.
    initial_state: the cell's initial state.
    cell: the cell (variables under `scope/<cell>`).
    loop_function: optional `fn(prev_output, i)` giving the input of step
      `i > 0` from the previous output (the given inputs are then used only
      at step 0).
    scope: variable scope; default "rnn_decoder".

  Returns:
    `(outputs, state)`: a list of `[batch, output_size]` tensors and the
    final state.
  """
  with _variable_scope(scope or "rnn_decoder"):
    state = initial_state
    outputs = []
    prev = None
    for i, inp in enumerate(decoder_inputs):
      if loop_function is not None and prev is not None:
        with _variable_scope("loop_function", reuse=True):
          inp = loop_function(prev, i)
      if i > 0:
        _reuse_from_now_on()
      output, state = cell(inp, state)
      outputs.append(output)
      if loop_function is not None:
        prev = output
  return outputs, state


def basic_rnn_seq2seq(encoder_inputs, decoder_inputs, cell,
                      dtype=tf.float32, scope=None):
  """Encodes with a copy of `cell`, decodes from its final state.

  Args:
    encoder_inputs: list of `[batch, depth]` tensors.
    decoder_inputs: list of `[batch, depth]` tensors.
    cell: the cell; the encoder uses a deep copy (own variables).
    dtype: the encoder's initial state dtype.
    scope: variable scope; default "basic_rnn_seq2seq".

  Returns:
    `(outputs, state)` of the decoder.
  """
  with _variable_scope(scope or "basic_rnn_seq2seq"):
    _, encoder_state = _static_rnn(copy.deepcopy(cell), encoder_inputs,
                                   dtype=dtype)
    return rnn_decoder(decoder_inputs, encoder_state, cell)


def tied_rnn_seq2seq(encoder_inputs, decoder_inputs, cell,
                     loop_function=None, dtype=tf.float32, scope=None):
  """Like `basic_rnn_seq2seq`, but encoder and decoder share `cell`.

  Args:
    encoder_inputs: list of `[batch, depth]` tensors.
    decoder_inputs: list of `[batch, depth]` tensors.
    cell: the cell of both.
    loop_function: as for `rnn_decoder`.
    dtype: the encoder's initial state dtype.
    scope: the shared scope under "combined_tied_rnn_seq2seq"; default
      "tied_rnn_seq2seq".

  Returns:
    `(outputs, state)` of the decoder.
  """
  with _variable_scope("combined_tied_rnn_seq2seq"):
    scope = scope or "tied_rnn_seq2seq"
    _, encoder_state = _static_rnn(cell, encoder_inputs, dtype=dtype,
                                   scope=scope)
    _reuse_from_now_on()
    return rnn_decoder(decoder_inputs, encoder_state, cell,
                       loop_function=loop_function, scope=scope)


def embedding_rnn_decoder(decoder_inputs, initial_state, cell, num_symbols,
                          embedding_size, output_projection=None,
                          feed_previous=False,
                          update_embedding_for_previous=True, scope=None):
  """`rnn_decoder` over embedded symbol ids.

  Args:
    decoder_inputs: list of `[batch]` int tensors.
    initial_state: the cell's initial state.
    cell: the cell.
    num_symbols: int, the vocabulary size.
    embedding_size: int, the embedding depth.
    output_projection: optional `(W [output_size, num_symbols], B
      [num_symbols])` applied before the argmax when feeding back.
    feed_previous: if True, steps after the first read the embedded argmax
      of the previous output instead of `decoder_inputs`.
    update_embedding_for_previous: if False, no gradient flows into the
      embedding through the fed-back symbols.
    scope: variable scope; default "embedding_rnn_decoder".

  Returns:
    `(outputs, state)`.

  Raises:
    ValueError: if `output_projection` has the wrong shape.
  """
  with _variable_scope(scope or "embedding_rnn_decoder") as scope:
    if output_projection is not None:
      _check_projection(output_projection, num_symbols, scope.dtype)
    embedding = _get_variable("embedding", [num_symbols, embedding_size])
    loop_function = _extract_argmax_and_embed(
        embedding, output_projection,
        update_embedding_for_previous) if feed_previous else None
    embedded = [tf.nn.embedding_lookup(embedding, i) for i in decoder_inputs]
    return rnn_decoder(embedded, initial_state, cell,
                       loop_function=loop_function)


def embedding_rnn_seq2seq(encoder_inputs, decoder_inputs, cell,
                          num_encoder_symbols, num_decoder_symbols,
                          embedding_size, output_projection=None,
                          feed_previous=False, dtype=None, scope=None):
  """Embedding encoder (a copy of `cell`) and embedding decoder.

  Args:
    encoder_inputs: list of `[batch]` int tensors.
    decoder_inputs: list of `[batch]` int tensors.
    cell: the cell; the encoder uses a deep copy.
    num_encoder_symbols: int, the encoder's vocabulary size.
    num_decoder_symbols: int, the decoder's vocabulary size.
    embedding_size: int, the depth of both embeddings.
    output_projection: optional `(W, B)`; without it the decoder's cell is
      wrapped in an `OutputProjectionWrapper` to `num_decoder_symbols`.
    feed_previous: bool or boolean scalar tensor, as for
      `embedding_rnn_decoder`.
    dtype: the state dtype; default the scope's (float32).
    scope: variable scope; default "embedding_rnn_seq2seq".

  Returns:
    `(outputs, state)` of the decoder.
  """
  with _variable_scope(scope or "embedding_rnn_seq2seq") as scope:
    if dtype is not None:
      scope.set_dtype(dtype)
    else:
      dtype = scope.dtype
    encoder_cell = contrib_wrappers.EmbeddingWrapper(
        copy.deepcopy(cell), embedding_classes=num_encoder_symbols,
        embedding_size=embedding_size)
    _, encoder_state = _static_rnn(encoder_cell, encoder_inputs, dtype=dtype)
    if output_projection is None:
      cell = contrib_wrappers.OutputProjectionWrapper(cell,
                                                      num_decoder_symbols)
    if isinstance(feed_previous, bool):
      return embedding_rnn_decoder(
          decoder_inputs, encoder_state, cell, num_decoder_symbols,
          embedding_size, output_projection=output_projection,
          feed_previous=feed_previous)

    def decoder(feed_previous_bool):
      with _variable_scope(tf.compat.v1.get_variable_scope(),
                           reuse=None if feed_previous_bool else True):
        outputs, state = embedding_rnn_decoder(
            decoder_inputs, encoder_state, cell, num_decoder_symbols,
            embedding_size, output_projection=output_projection,
            feed_previous=feed_previous_bool,
            update_embedding_for_previous=False)
        return outputs + _flat_state(state)

    return _choose_decoder(feed_previous, decoder, len(decoder_inputs),
                           encoder_state)


def embedding_tied_rnn_seq2seq(encoder_inputs, decoder_inputs, cell,
                               num_symbols, embedding_size,
                               num_decoder_symbols=None,
                               output_projection=None, feed_previous=False,
                               dtype=None, scope=None):
  """`tied_rnn_seq2seq` over one embedding shared by encoder and decoder.

  Args:
    encoder_inputs: list of `[batch]` int tensors.
    decoder_inputs: list of `[batch]` int tensors.
    cell: the cell of both.
    num_symbols: int, the (shared) vocabulary size.
    embedding_size: int, the embedding depth.
    num_decoder_symbols: int, the output vocabulary; default `num_symbols`.
    output_projection: optional `(W, B)`; without it the cell is wrapped
      in an `OutputProjectionWrapper`.
    feed_previous: bool or boolean scalar tensor.
    dtype: the state dtype; default the scope's (float32).
    scope: variable scope; default "embedding_tied_rnn_seq2seq".

  Returns:
    `(outputs, state)` of the decoder.

  Raises:
    ValueError: if `output_projection` has the wrong shape.
  """
  with _variable_scope(scope or "embedding_tied_rnn_seq2seq",
                       dtype=dtype) as scope:
    dtype = scope.dtype
    if output_projection is not None:
      _check_projection(output_projection, num_symbols, dtype)
    embedding = _get_variable("embedding", [num_symbols, embedding_size],
                              dtype=dtype)
    encoder_embedded = [tf.nn.embedding_lookup(embedding, x)
                        for x in encoder_inputs]
    decoder_embedded = [tf.nn.embedding_lookup(embedding, x)
                        for x in decoder_inputs]
    if output_projection is None:
      cell = contrib_wrappers.OutputProjectionWrapper(
          cell, num_decoder_symbols or num_symbols)
    if isinstance(feed_previous, bool):
      loop_function = _extract_argmax_and_embed(
          embedding, output_projection, True) if feed_previous else None
      return tied_rnn_seq2seq(encoder_embedded, decoder_embedded, cell,
                              loop_function=loop_function, dtype=dtype)

    def decoder(feed_previous_bool):
      loop_function = _extract_argmax_and_embed(
          embedding, output_projection, False) if feed_previous_bool else None
      with _variable_scope(tf.compat.v1.get_variable_scope(),
                           reuse=None if feed_previous_bool else True):
        outputs, state = tied_rnn_seq2seq(
            encoder_embedded, decoder_embedded, cell,
            loop_function=loop_function, dtype=dtype)
        return outputs + _flat_state(state)

    batch_size = tf.compat.dimension_value(encoder_inputs[0].shape[0])
    if batch_size is None:
      batch_size = tf.shape(encoder_inputs[0])[0]
    return _choose_decoder(feed_previous, decoder, len(decoder_inputs),
                           cell.zero_state(batch_size, dtype))


def attention_decoder(decoder_inputs, initial_state, attention_states, cell,
                      output_size=None, num_heads=1, loop_function=None,
                      dtype=None, scope=None, initial_state_attention=False):
  """RNN decoder with attention over `attention_states` (Bahdanau style).

  Per step, with `attns` the previous step's reads (zeros at first):

    x = linear([input] + attns, input_depth)               (kernel, bias)
    out, state = cell(x, state)
    for head a: score = AttnV_a . tanh(hidden @ AttnW_a
                                       + linear(flat(state)))
                                           (Attention_a/{kernel, bias})
                attns[a] = softmax(score) . attention_states
    output = linear([out] + attns, output_size)
                                     (AttnOutputProjection/{kernel, bias})

  Args:
    decoder_inputs: non-empty list of `[batch, depth]` tensors.
    initial_state: the cell's initial state.
    attention_states: `[batch, attn_length, attn_size]`, `attn_size` known.
    cell: the cell.
    output_size: int, the outputs' depth; default `cell.output_size`.
    num_heads: int >= 1, the number of attention reads per step.
    loop_function: as for `rnn_decoder`.
    dtype: the dtype; default the scope's (float32).
    scope: variable scope; default "attention_decoder".
    initial_state_attention: if True, the first step's attention reads
      come from `initial_state` instead of zeros.

  Returns:
    `(outputs, state)`: a list of `[batch, output_size]` tensors and the
    final state.

  Raises:
    ValueError: if `decoder_inputs` is empty, `num_heads` < 1, or a needed
      shape is unknown.
  """
  if not decoder_inputs:
    raise ValueError("Must provide at least 1 input to attention decoder.")
  if num_heads < 1:
    raise ValueError("With less than 1 heads, use a non-attention decoder.")
  attn_size = tf.compat.dimension_value(attention_states.shape[2])
  if attn_size is None:
    raise ValueError("Shape[2] of attention_states must be known: %s" %
                     attention_states.shape)
  if output_size is None:
    output_size = cell.output_size

  with _variable_scope(scope or "attention_decoder", dtype=dtype) as scope:
    dtype = scope.dtype
    batch_size = tf.shape(decoder_inputs[0])[0]
    attn_length = tf.compat.dimension_value(attention_states.shape[1])
    if attn_length is None:
      attn_length = tf.shape(attention_states)[1]
    hidden = tf.reshape(attention_states, [-1, attn_length, 1, attn_size])
    hidden_features = []
    attn_v = []
    for a in range(num_heads):
      attn_w = _get_variable("AttnW_%d" % a, [1, 1, attn_size, attn_size],
                             dtype=dtype)
      hidden_features.append(tf.nn.conv2d(hidden, attn_w, [1, 1, 1, 1],
                                          "SAME"))
      attn_v.append(_get_variable("AttnV_%d" % a, [attn_size], dtype=dtype))

    def attention(query):
      """One read of `attention_states` per head, queried by the state."""
      if tf.nest.is_nested(query):
        query = tf.concat(tf.nest.flatten(query), 1)
      reads = []
      for a in range(num_heads):
        with _variable_scope("Attention_%d" % a):
          y = tf.cast(tf.reshape(_linear(query, attn_size, True),
                                 [-1, 1, 1, attn_size]), dtype)
          scores = tf.reduce_sum(
              attn_v[a] * tf.tanh(hidden_features[a] + y), [2, 3])
          weights = tf.cast(tf.nn.softmax(tf.cast(scores, tf.float32)), dtype)
          read = tf.reduce_sum(
              tf.reshape(weights, [-1, attn_length, 1, 1]) * hidden, [1, 2])
          reads.append(tf.reshape(read, [-1, attn_size]))
      return reads

    state = initial_state
    attns = []
    for _ in range(num_heads):
      zeros = tf.zeros(tf.stack([batch_size, attn_size]), dtype=dtype)
      zeros.set_shape([None, attn_size])
      attns.append(zeros)
    if initial_state_attention:
      attns = attention(initial_state)
    outputs = []
    prev = None
    for i, inp in enumerate(decoder_inputs):
      if i > 0:
        _reuse_from_now_on()
      if loop_function is not None and prev is not None:
        with _variable_scope("loop_function", reuse=True):
          inp = loop_function(prev, i)
      input_size = tf.compat.dimension_value(inp.shape.with_rank(2)[1])
      if input_size is None:
        raise ValueError("Could not infer input size from input: %s" %
                         inp.name)
      x = _linear([tf.cast(e, dtype) for e in [inp] + attns], input_size,
                  True)
      cell_output, state = cell(x, state)
      if i == 0 and initial_state_attention:
        with _variable_scope(tf.compat.v1.get_variable_scope(), reuse=True):
          attns = attention(state)
      else:
        attns = attention(state)
      with _variable_scope("AttnOutputProjection"):
        output = _linear([tf.cast(cell_output, dtype)] + attns, output_size,
                         True)
      if loop_function is not None:
        prev = output
      outputs.append(output)
  return outputs, state


def embedding_attention_decoder(decoder_inputs, initial_state,
                                attention_states, cell, num_symbols,
                                embedding_size, num_heads=1, output_size=None,
                                output_projection=None, feed_previous=False,
                                update_embedding_for_previous=True,
                                dtype=None, scope=None,
                                initial_state_attention=False):
  """`attention_decoder` over embedded symbol ids.

  Args:
    decoder_inputs: list of `[batch]` int tensors.
    initial_state: the cell's initial state.
    attention_states: `[batch, attn_length, attn_size]`.
    cell: the cell.
    num_symbols: int, the vocabulary size.
    embedding_size: int, the embedding depth.
    num_heads: int, attention reads per step.
    output_size: int; default `cell.output_size`.
    output_projection: optional `(W, B)` applied before the argmax when
      feeding back.
    feed_previous: if True, feed the embedded argmax of the previous output.
    update_embedding_for_previous: if False, stop the gradient into the
      fed-back embeddings.
    dtype: the dtype; default the scope's.
    scope: variable scope; default "embedding_attention_decoder".
    initial_state_attention: as for `attention_decoder`.

  Returns:
    `(outputs, state)`.

  Raises:
    ValueError: if `output_projection`'s bias is not `[num_symbols]`.
  """
  if output_size is None:
    output_size = cell.output_size
  if output_projection is not None:
    biases = tf.convert_to_tensor(output_projection[1], dtype=dtype)
    biases.shape.assert_is_compatible_with([num_symbols])
  with _variable_scope(scope or "embedding_attention_decoder", dtype=dtype):
    embedding = _get_variable("embedding", [num_symbols, embedding_size])
    loop_function = _extract_argmax_and_embed(
        embedding, output_projection,
        update_embedding_for_previous) if feed_previous else None
    embedded = [tf.nn.embedding_lookup(embedding, i) for i in decoder_inputs]
    return attention_decoder(
        embedded, initial_state, attention_states, cell,
        output_size=output_size, num_heads=num_heads,
        loop_function=loop_function,
        initial_state_attention=initial_state_attention)


def embedding_attention_seq2seq(encoder_inputs, decoder_inputs, cell,
                                num_encoder_symbols, num_decoder_symbols,
                                embedding_size, num_heads=1,
                                output_projection=None, feed_previous=False,
                                dtype=None, scope=None,
                                initial_state_attention=False):
  """Embedding encoder, attention over its outputs, embedding decoder.

  Args:
    encoder_inputs: list of `[batch]` int tensors.
    decoder_inputs: list of `[batch]` int tensors.
    cell: the cell; the encoder uses a deep copy.
    num_encoder_symbols: int, the encoder's vocabulary size.
    num_decoder_symbols: int, the decoder's vocabulary size.
    embedding_size: int, the depth of both embeddings.
    num_heads: int, attention reads per step.
    output_projection: optional `(W, B)`; without it the decoder's cell is
      wrapped in an `OutputProjectionWrapper` to `num_decoder_symbols`.
    feed_previous: bool or boolean scalar tensor.
    dtype: the dtype; default the scope's (float32).
    scope: variable scope; default "embedding_attention_seq2seq".
    initial_state_attention: as for `attention_decoder`.

  Returns:
    `(outputs, state)` of the decoder.
  """
  with _variable_scope(scope or "embedding_attention_seq2seq",
                       dtype=dtype) as scope:
    dtype = scope.dtype
    encoder_cell = contrib_wrappers.EmbeddingWrapper(
        copy.deepcopy(cell), embedding_classes=num_encoder_symbols,
        embedding_size=embedding_size)
    encoder_outputs, encoder_state = _static_rnn(encoder_cell,
                                                 encoder_inputs, dtype=dtype)
    attention_states = tf.concat(
        [tf.reshape(e, [-1, 1, cell.output_size]) for e in encoder_outputs],
        1)
    output_size = None
    if output_projection is None:
      cell = contrib_wrappers.OutputProjectionWrapper(cell,
                                                      num_decoder_symbols)
      output_size = num_decoder_symbols
    if isinstance(feed_previous, bool):
      return embedding_attention_decoder(
          decoder_inputs, encoder_state, attention_states, cell,
          num_decoder_symbols, embedding_size, num_heads=num_heads,
          output_size=output_size, output_projection=output_projection,
          feed_previous=feed_previous,
          initial_state_attention=initial_state_attention)

    def decoder(feed_previous_bool):
      with _variable_scope(tf.compat.v1.get_variable_scope(),
                           reuse=None if feed_previous_bool else True):
        outputs, state = embedding_attention_decoder(
            decoder_inputs, encoder_state, attention_states, cell,
            num_decoder_symbols, embedding_size, num_heads=num_heads,
            output_size=output_size, output_projection=output_projection,
            feed_previous=feed_previous_bool,
            update_embedding_for_previous=False,
            initial_state_attention=initial_state_attention)
        return outputs + _flat_state(state)

    return _choose_decoder(feed_previous, decoder, len(decoder_inputs),
                           encoder_state)


def one2many_rnn_seq2seq(encoder_inputs, decoder_inputs_dict, enc_cell,
                         dec_cells_dict, num_encoder_symbols,
                         num_decoder_symbols_dict, embedding_size,
                         feed_previous=False, dtype=None, scope=None):
  """One embedding encoder, several embedding decoders (one per key).

  Args:
    encoder_inputs: list of `[batch]` int tensors.
    decoder_inputs_dict: dict from name to a list of `[batch]` int tensors.
    enc_cell: the encoder's cell.
    dec_cells_dict: dict from the same names to the decoders' cells.
    num_encoder_symbols: int, the encoder's vocabulary size.
    num_decoder_symbols_dict: dict from name to the decoder's vocabulary.
    embedding_size: int, the depth of every embedding.
    feed_previous: bool or boolean scalar tensor.
    dtype: the dtype; default the scope's (float32).
    scope: variable scope; default "one2many_rnn_seq2seq". Decoder `name`
      lives under `one2many_decoder_<name>`.

  Returns:
    `(outputs_dict, state_dict)`, keyed by decoder name.

  Raises:
    TypeError: if a cell is not an RNNCell.
    ValueError: if the two dicts have different keys.
  """
  outputs_dict = {}
  state_dict = {}
  for name, cell in [("enc_cell", enc_cell)] + [
      ("dec_cell", c) for c in dec_cells_dict.values()]:
    try:
      contrib_wrappers.check_is_cell(name, cell)
    except TypeError:
      raise TypeError("%s is not an RNNCell: %s" % (name, type(cell))) from None
  if set(dec_cells_dict) != set(decoder_inputs_dict):
    raise ValueError("keys of dec_cells_dict != keys of decodre_inputs_dict")

  with _variable_scope(scope or "one2many_rnn_seq2seq", dtype=dtype) as scope:
    dtype = scope.dtype
    enc_cell = contrib_wrappers.EmbeddingWrapper(
        enc_cell, embedding_classes=num_encoder_symbols,
        embedding_size=embedding_size)
    _, encoder_state = _static_rnn(enc_cell, encoder_inputs, dtype=dtype)
    for name, decoder_inputs in decoder_inputs_dict.items():
      num_decoder_symbols = num_decoder_symbols_dict[name]
      with _variable_scope("one2many_decoder_" + str(name)):
        dec_cell = contrib_wrappers.OutputProjectionWrapper(
            dec_cells_dict[name], num_decoder_symbols)
        if isinstance(feed_previous, bool):
          outputs, state = embedding_rnn_decoder(
              decoder_inputs, encoder_state, dec_cell, num_decoder_symbols,
              embedding_size, feed_previous=feed_previous)
        else:
          def decoder(feed_previous_bool, decoder_inputs=decoder_inputs,
                      dec_cell=dec_cell,
                      num_decoder_symbols=num_decoder_symbols):
            with _variable_scope(tf.compat.v1.get_variable_scope(),
                                 reuse=None if feed_previous_bool else True):
              outputs, state = embedding_rnn_decoder(
                  decoder_inputs, encoder_state, dec_cell,
                  num_decoder_symbols, embedding_size,
                  feed_previous=feed_previous_bool)
            return outputs + _flat_state(state)

          outputs, state = _choose_decoder(
              feed_previous, decoder, len(decoder_inputs), encoder_state)
      outputs_dict[name] = outputs
      state_dict[name] = state
  return outputs_dict, state_dict


def sequence_loss_by_example(logits, targets, weights,
                             average_across_timesteps=True,
                             softmax_loss_function=None, name=None):
  """Weighted cross-entropy per example, summed over the steps.

  Args:
    logits: list of `[batch, num_classes]` tensors.
    targets: list of `[batch]` int tensors.
    weights: list of `[batch]` float tensors.
    average_across_timesteps: divide by the sum of the weights (+ 1e-12).
    softmax_loss_function: optional `fn(labels=, logits=)` replacing sparse
      softmax cross-entropy.
    name: name scope; default "sequence_loss_by_example".

  Returns:
    A `[batch]` tensor of log-perplexities.

  Raises:
    ValueError: if the three lists differ in length.
  """
  if len(targets) != len(logits) or len(weights) != len(logits):
    raise ValueError("Lengths of logits, weights, and targets must be the same "
                     "%d, %d, %d." % (len(logits), len(weights), len(targets)))
  with tf.compat.v1.name_scope(name, "sequence_loss_by_example",
                               logits + targets + weights):
    terms = []
    for logit, target, weight in zip(logits, targets, weights):
      if softmax_loss_function is None:
        crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.reshape(target, [-1]), logits=logit)
      else:
        crossent = softmax_loss_function(labels=target, logits=logit)
      terms.append(crossent * weight)
    log_perps = tf.add_n(terms)
    if average_across_timesteps:
      log_perps /= tf.add_n(weights) + 1e-12  # All-zero weights give 0.
  return log_perps


def sequence_loss(logits, targets, weights, average_across_timesteps=True,
                  average_across_batch=True, softmax_loss_function=None,
                  name=None):
  """`sequence_loss_by_example` summed over the batch (or averaged).

  Args:
    logits: list of `[batch, num_classes]` tensors.
    targets: list of `[batch]` int tensors.
    weights: list of `[batch]` float tensors.
    average_across_timesteps: as for `sequence_loss_by_example`.
    average_across_batch: divide the sum by the batch size.
    softmax_loss_function: as for `sequence_loss_by_example`.
    name: name scope; default "sequence_loss".

  Returns:
    A scalar.
  """
  with tf.compat.v1.name_scope(name, "sequence_loss",
                               logits + targets + weights):
    cost = tf.reduce_sum(sequence_loss_by_example(
        logits, targets, weights,
        average_across_timesteps=average_across_timesteps,
        softmax_loss_function=softmax_loss_function))
    if average_across_batch:
      return cost / tf.cast(tf.shape(targets[0])[0], cost.dtype)
    return cost


def model_with_buckets(encoder_inputs, decoder_inputs, targets, weights,
                       buckets, seq2seq, softmax_loss_function=None,
                       per_example_loss=False, name=None):
  """One model per bucket `(encoder_length, decoder_length)`, shared weights.

  Args:
    encoder_inputs: list of encoder inputs, at least the last bucket's
      encoder length long.
    decoder_inputs: list of decoder inputs.
    targets: list of `[batch]` int tensors, at least the last bucket's
      decoder length long.
    weights: list of `[batch]` float tensors, as long as `targets`.
    buckets: list of `(encoder_length, decoder_length)`, increasing.
    seq2seq: `fn(encoder_inputs, decoder_inputs) -> (outputs, state)`.
    softmax_loss_function: as for `sequence_loss`.
    per_example_loss: if True, the losses are `sequence_loss_by_example`'s.
    name: name scope; default "model_with_buckets".

  Returns:
    `(outputs, losses)`: per bucket, the outputs list and the loss.

  Raises:
    ValueError: if an input list is shorter than the last bucket needs.
  """
  if len(encoder_inputs) < buckets[-1][0]:
    raise ValueError("Length of encoder_inputs (%d) must be at least that of la"
                     "st bucket (%d)." % (len(encoder_inputs), buckets[-1][0]))
  if len(targets) < buckets[-1][1]:
    raise ValueError("Length of targets (%d) must be at least that of last "
                     "bucket (%d)." % (len(targets), buckets[-1][1]))
  if len(weights) < buckets[-1][1]:
    raise ValueError("Length of weights (%d) must be at least that of last "
                     "bucket (%d)." % (len(weights), buckets[-1][1]))
  losses = []
  outputs = []
  loss_function = (sequence_loss_by_example if per_example_loss
                   else sequence_loss)
  with tf.compat.v1.name_scope(
      name, "model_with_buckets",
      encoder_inputs + decoder_inputs + targets + weights):
    for j, (encoder_length, decoder_length) in enumerate(buckets):
      with _variable_scope(tf.compat.v1.get_variable_scope(),
                           reuse=True if j > 0 else None):
        bucket_outputs, _ = seq2seq(encoder_inputs[:encoder_length],
                                    decoder_inputs[:decoder_length])
        outputs.append(bucket_outputs)
        losses.append(loss_function(
            bucket_outputs, targets[:decoder_length],
            weights[:decoder_length],
            softmax_loss_function=softmax_loss_function))
  return outputs, losses
