"""TF1's `tf.contrib.seq2seq`: decoders, helpers, beam search, loss.

The names TensorFlow 1.15's `tf.contrib.seq2seq` exported, Keras-free and
with TF1's variable names; the modules mirror TF1's
`tf.contrib.seq2seq.python.ops.<module>` files.

Usage:

  from tf1seq.contrib import seq2seq
  decoder = seq2seq.BasicDecoder(cell, seq2seq.TrainingHelper(x, lengths),
                                 initial_state, output_layer)
  outputs, state, lengths = seq2seq.dynamic_decode(decoder, scope="decoder")
"""

from tf1seq import seq2seq as _loss
from tf1seq.contrib.seq2seq import attention_wrapper
from tf1seq.contrib.seq2seq import basic_decoder
from tf1seq.contrib.seq2seq import beam_search_decoder
from tf1seq.contrib.seq2seq import beam_search_ops
from tf1seq.contrib.seq2seq import decoder
from tf1seq.contrib.seq2seq import helper

sequence_loss = _loss.sequence_loss
Decoder = decoder.Decoder
dynamic_decode = decoder.dynamic_decode
BasicDecoder = basic_decoder.BasicDecoder
BasicDecoderOutput = basic_decoder.BasicDecoderOutput
BeamSearchDecoder = beam_search_decoder.BeamSearchDecoder
BeamSearchDecoderOutput = beam_search_decoder.BeamSearchDecoderOutput
BeamSearchDecoderState = beam_search_decoder.BeamSearchDecoderState
FinalBeamSearchDecoderOutput = beam_search_decoder.FinalBeamSearchDecoderOutput
tile_batch = beam_search_decoder.tile_batch
gather_tree = beam_search_ops.gather_tree
Helper = helper.Helper
CustomHelper = helper.CustomHelper
GreedyEmbeddingHelper = helper.GreedyEmbeddingHelper
InferenceHelper = helper.InferenceHelper
SampleEmbeddingHelper = helper.SampleEmbeddingHelper
ScheduledEmbeddingTrainingHelper = helper.ScheduledEmbeddingTrainingHelper
ScheduledOutputTrainingHelper = helper.ScheduledOutputTrainingHelper
TrainingHelper = helper.TrainingHelper
AttentionMechanism = attention_wrapper.AttentionMechanism
AttentionWrapper = attention_wrapper.AttentionWrapper
AttentionWrapperState = attention_wrapper.AttentionWrapperState
BahdanauAttention = attention_wrapper.BahdanauAttention
BahdanauMonotonicAttention = attention_wrapper.BahdanauMonotonicAttention
LuongAttention = attention_wrapper.LuongAttention
LuongMonotonicAttention = attention_wrapper.LuongMonotonicAttention
hardmax = attention_wrapper.hardmax
monotonic_attention = attention_wrapper.monotonic_attention
safe_cumprod = attention_wrapper.safe_cumprod

# The names of TF1's tf.contrib.seq2seq provided here.
TF1_NAMES = (
    "sequence_loss", "Decoder", "dynamic_decode", "BasicDecoder",
    "BasicDecoderOutput", "BeamSearchDecoder", "BeamSearchDecoderOutput",
    "BeamSearchDecoderState", "Helper", "CustomHelper",
    "FinalBeamSearchDecoderOutput", "gather_tree", "GreedyEmbeddingHelper",
    "InferenceHelper", "SampleEmbeddingHelper",
    "ScheduledEmbeddingTrainingHelper", "ScheduledOutputTrainingHelper",
    "TrainingHelper", "tile_batch", "AttentionMechanism",
    "AttentionWrapper", "AttentionWrapperState", "BahdanauAttention",
    "BahdanauMonotonicAttention", "LuongAttention", "LuongMonotonicAttention",
    "hardmax", "monotonic_attention", "safe_cumprod")
