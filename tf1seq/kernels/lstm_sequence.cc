// An LSTM layer's time loops as two TensorFlow ops, for tf1seq.fused_lstm.
//
// Tf1seqLstmForward runs the recurrence of one LSTM layer (BasicLSTMCell's
// gates i, j, f, o) over all time steps, given the input part of every
// step's gates already computed (`projected`, bias and forget bias
// included); Tf1seqLstmBackward runs its gradient in reverse time. Both
// split the batch into shards, one per worker thread, each running the
// whole time loop on its rows: the recurrence never mixes batch rows, so
// the shards need no synchronisation. Per step a shard does one GEMM
// (Eigen) and the gates' arithmetic in one pass over its rows.
//
// `mask` [T, B] is 1 where step t of sequence b is within its length, 0
// past it (the output is zero and the state frozen, TF1's dynamic_rnn).

#include <algorithm>
#include <cmath>
#include <mutex>
#include <vector>

#include "Eigen/Core"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"

namespace tf1seq {

using ::tensorflow::DEVICE_CPU;
using ::tensorflow::OpKernel;
using ::tensorflow::OpKernelConstruction;
using ::tensorflow::OpKernelContext;
using ::tensorflow::Tensor;
using ::tensorflow::TensorShape;
using ::tensorflow::errors::InvalidArgument;
using ::tensorflow::shape_inference::InferenceContext;
using ::tensorflow::shape_inference::ShapeHandle;

using RowMatrix =
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowArray =
    Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMatrix>;
using ConstArrayMap = Eigen::Map<const RowArray>;
using ArrayMap = Eigen::Map<RowArray>;
using Column = Eigen::Array<float, Eigen::Dynamic, 1>;

// sigmoid(x) = (1 + tanh(x / 2)) / 2, on Eigen's vectorised tanh.
template <typename Derived>
auto Sigmoid(const Eigen::ArrayBase<Derived>& x) {
  return 0.5f * (0.5f * x).tanh() + 0.5f;
}

// Runs fn(first_row, end_row) on shards of [0, batch), one per thread.
template <typename Fn>
void ForShards(OpKernelContext* context, int64_t batch, Fn fn) {
  auto* workers = context->device()->tensorflow_cpu_worker_threads();
  const int64_t shards = std::max<int64_t>(
      1, std::min<int64_t>(workers->num_threads, batch / 8));
  const int64_t rows = (batch + shards - 1) / shards;
  workers->workers->ParallelFor(
      shards, ::tsl::thread::ThreadPool::SchedulingParams::Fixed(1),
      [&](int64_t begin, int64_t end) {
        for (int64_t shard = begin; shard < end; ++shard) {
          const int64_t first = shard * rows;
          const int64_t last = std::min(batch, first + rows);
          if (first < last) fn(first, last);
        }
      });
}

REGISTER_OP("Tf1seqLstmForward")
    .Input("projected: float")  // [T, B, 4n]
    .Input("c: float")          // [B, n]
    .Input("h: float")          // [B, n]
    .Input("recurrent_kernel: float")  // [n, 4n]
    .Input("mask: float")       // [T, B]
    .Output("outputs: float")   // [T, B, n]
    .Output("final_c: float")   // [B, n]
    .Output("final_h: float")   // [B, n]
    .Output("gates: float")     // [T, B, 4n], activated
    .Output("cs: float")        // [T, B, n]
    .SetShapeFn([](InferenceContext* c) {
      ShapeHandle projected = c->input(0);
      ShapeHandle state = c->input(1);
      TF_RETURN_IF_ERROR(c->WithRank(projected, 3, &projected));
      TF_RETURN_IF_ERROR(c->WithRank(state, 2, &state));
      ShapeHandle steps_batch;
      TF_RETURN_IF_ERROR(c->Subshape(projected, 0, 2, &steps_batch));
      ShapeHandle sequence_state;
      TF_RETURN_IF_ERROR(c->Concatenate(
          steps_batch, c->Vector(c->Dim(state, 1)), &sequence_state));
      c->set_output(0, sequence_state);
      c->set_output(1, state);
      c->set_output(2, state);
      c->set_output(3, projected);
      c->set_output(4, sequence_state);
      return absl::OkStatus();
    });

class LstmForwardOp : public OpKernel {
 public:
  explicit LstmForwardOp(OpKernelConstruction* context) : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& projected = context->input(0);
    const Tensor& c0 = context->input(1);
    const Tensor& h0 = context->input(2);
    const Tensor& kernel = context->input(3);
    const Tensor& mask = context->input(4);
    OP_REQUIRES(context, projected.dims() == 3,
                InvalidArgument("projected must be [T, B, 4n], got ",
                                projected.shape().DebugString()));
    const int64_t steps = projected.dim_size(0);
    const int64_t batch = projected.dim_size(1);
    const int64_t n = kernel.dim_size(0);
    OP_REQUIRES(context,
                projected.dim_size(2) == 4 * n && kernel.dims() == 2 &&
                    kernel.dim_size(1) == 4 * n && c0.dims() == 2 &&
                    c0.dim_size(0) == batch && c0.dim_size(1) == n &&
                    h0.shape() == c0.shape() && mask.dims() == 2 &&
                    mask.dim_size(0) == steps && mask.dim_size(1) == batch,
                InvalidArgument("shapes do not fit: projected ",
                                projected.shape().DebugString(), ", c ",
                                c0.shape().DebugString(), ", h ",
                                h0.shape().DebugString(), ", kernel ",
                                kernel.shape().DebugString(), ", mask ",
                                mask.shape().DebugString()));
    Tensor *outputs, *final_c, *final_h, *gates, *cs;
    OP_REQUIRES_OK(context, context->allocate_output(
                                0, TensorShape({steps, batch, n}), &outputs));
    OP_REQUIRES_OK(context, context->allocate_output(1, c0.shape(), &final_c));
    OP_REQUIRES_OK(context, context->allocate_output(2, h0.shape(), &final_h));
    OP_REQUIRES_OK(context,
                   context->allocate_output(3, projected.shape(), &gates));
    OP_REQUIRES_OK(context, context->allocate_output(
                                4, TensorShape({steps, batch, n}), &cs));
    const float* p = projected.flat<float>().data();
    const float* m = mask.flat<float>().data();
    const ConstMap w(kernel.flat<float>().data(), n, 4 * n);
    float* out = outputs->flat<float>().data();
    float* g = gates->flat<float>().data();
    float* cs_out = cs->flat<float>().data();
    float* c_final = final_c->flat<float>().data();
    float* h_final = final_h->flat<float>().data();
    const float* c_init = c0.flat<float>().data();
    const float* h_init = h0.flat<float>().data();

    ForShards(context, batch, [&](int64_t first, int64_t last) {
      const int64_t rows = last - first;
      RowMatrix c = ConstMap(c_init + first * n, rows, n);
      RowMatrix h = ConstMap(h_init + first * n, rows, n);
      RowMatrix z(rows, 4 * n);
      for (int64_t t = 0; t < steps; ++t) {
        const int64_t base = t * batch + first;
        z.noalias() = h * w;
        z += ConstMap(p + base * 4 * n, rows, 4 * n);
        const Eigen::Map<const Column> valid(m + base, rows);
        ArrayMap gates_t(g + base * 4 * n, rows, 4 * n);
        const auto za = z.array();
        gates_t.leftCols(n) = Sigmoid(za.leftCols(n));
        gates_t.middleCols(n, n) = za.middleCols(n, n).tanh();
        gates_t.middleCols(2 * n, n) = Sigmoid(za.middleCols(2 * n, n));
        gates_t.rightCols(n) = Sigmoid(za.rightCols(n));
        const RowArray new_c =
            c.array() * gates_t.middleCols(2 * n, n) +
            gates_t.leftCols(n) * gates_t.middleCols(n, n);
        const RowArray new_h = new_c.tanh() * gates_t.rightCols(n);
        // Past a sequence's end its state stays and its output is zero
        // (selected, as TF1's tf.where does, whatever the step computed).
        const RowArray valid_rows = valid.replicate(1, n);
        const auto within = valid_rows > 0.0f;
        c.array() = within.select(new_c, c.array());
        h.array() = within.select(new_h, h.array());
        ArrayMap(out + base * n, rows, n) = within.select(new_h, 0.0f);
        ArrayMap(cs_out + base * n, rows, n) = c.array();
      }
      std::copy(c.data(), c.data() + rows * n, c_final + first * n);
      std::copy(h.data(), h.data() + rows * n, h_final + first * n);
    });
  }
};

REGISTER_KERNEL_BUILDER(Name("Tf1seqLstmForward").Device(DEVICE_CPU),
                        LstmForwardOp);

REGISTER_OP("Tf1seqLstmBackward")
    .Input("d_outputs: float")  // [T, B, n]
    .Input("d_final_c: float")  // [B, n]
    .Input("d_final_h: float")  // [B, n]
    .Input("c: float")          // [B, n], the initial cell state
    .Input("recurrent_kernel: float")  // [n, 4n]
    .Input("mask: float")       // [T, B]
    .Input("gates: float")      // [T, B, 4n], from the forward op
    .Input("cs: float")         // [T, B, n], from the forward op
    .Output("d_projected: float")  // [T, B, 4n]
    .Output("d_c: float")       // [B, n]
    .Output("d_h: float")       // [B, n]
    .Output("d_bias: float")    // [4n]: d_projected summed over T and B
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, c->input(6));
      c->set_output(1, c->input(3));
      c->set_output(2, c->input(3));
      c->set_output(3, c->Vector(c->Dim(c->input(6), 2)));
      return absl::OkStatus();
    });

class LstmBackwardOp : public OpKernel {
 public:
  explicit LstmBackwardOp(OpKernelConstruction* context)
      : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& d_outputs = context->input(0);
    const Tensor& d_final_c = context->input(1);
    const Tensor& d_final_h = context->input(2);
    const Tensor& c0 = context->input(3);
    const Tensor& kernel = context->input(4);
    const Tensor& mask = context->input(5);
    const Tensor& gates = context->input(6);
    const Tensor& cs = context->input(7);
    OP_REQUIRES(context, cs.dims() == 3 && kernel.dims() == 2,
                InvalidArgument("cs must be [T, B, n] and the kernel "
                                "[n, 4n], got ", cs.shape().DebugString(),
                                " and ", kernel.shape().DebugString()));
    const int64_t steps = cs.dim_size(0);
    const int64_t batch = cs.dim_size(1);
    const int64_t n = cs.dim_size(2);
    OP_REQUIRES(context,
                d_outputs.shape() == cs.shape() &&
                    d_final_c.shape() == c0.shape() &&
                    d_final_h.shape() == c0.shape() && c0.dims() == 2 &&
                    c0.dim_size(0) == batch && c0.dim_size(1) == n &&
                    kernel.dim_size(0) == n && kernel.dim_size(1) == 4 * n &&
                    gates.dims() == 3 && gates.dim_size(0) == steps &&
                    gates.dim_size(1) == batch &&
                    gates.dim_size(2) == 4 * n && mask.dims() == 2 &&
                    mask.dim_size(0) == steps && mask.dim_size(1) == batch,
                InvalidArgument("shapes do not fit: d_outputs ",
                                d_outputs.shape().DebugString(), ", cs ",
                                cs.shape().DebugString(), ", gates ",
                                gates.shape().DebugString(), ", c ",
                                c0.shape().DebugString(), ", kernel ",
                                kernel.shape().DebugString(), ", mask ",
                                mask.shape().DebugString()));
    Tensor *d_projected, *d_c, *d_h, *d_bias;
    OP_REQUIRES_OK(context,
                   context->allocate_output(0, gates.shape(), &d_projected));
    OP_REQUIRES_OK(context, context->allocate_output(1, c0.shape(), &d_c));
    OP_REQUIRES_OK(context, context->allocate_output(2, c0.shape(), &d_h));
    OP_REQUIRES_OK(context, context->allocate_output(
                                3, TensorShape({4 * n}), &d_bias));
    const float* d_out = d_outputs.flat<float>().data();
    const float* g = gates.flat<float>().data();
    const float* cs_in = cs.flat<float>().data();
    const float* c_init = c0.flat<float>().data();
    const float* m = mask.flat<float>().data();
    const ConstMap w(kernel.flat<float>().data(), n, 4 * n);
    float* dz_all = d_projected->flat<float>().data();
    const float* dc_final = d_final_c.flat<float>().data();
    const float* dh_final = d_final_h.flat<float>().data();
    float* dc_out = d_c->flat<float>().data();
    float* dh_out = d_h->flat<float>().data();

    // Each shard's column sums of d_projected, added up at the end.
    std::vector<RowArray> bias_sums;
    std::mutex bias_mutex;
    ForShards(context, batch, [&](int64_t first, int64_t last) {
      const int64_t rows = last - first;
      RowArray bias_sum = RowArray::Zero(1, 4 * n);
      RowMatrix dc = ConstMap(dc_final + first * n, rows, n);
      RowMatrix dh = ConstMap(dh_final + first * n, rows, n);
      RowMatrix dh_prev(rows, n);
      for (int64_t t = steps - 1; t >= 0; --t) {
        const int64_t base = t * batch + first;
        const Eigen::Map<const Column> valid(m + base, rows);
        const RowArray take = valid.replicate(1, n);
        const RowArray keep = (1.0f - valid).replicate(1, n);
        const ConstArrayMap gates_t(g + base * 4 * n, rows, 4 * n);
        const auto i = gates_t.leftCols(n);
        const auto j = gates_t.middleCols(n, n);
        const auto f = gates_t.middleCols(2 * n, n);
        const auto o = gates_t.rightCols(n);
        const RowArray tanh_c = ConstArrayMap(cs_in + base * n, rows, n).tanh();
        const ConstArrayMap c_prev(
            t > 0 ? cs_in + ((t - 1) * batch + first) * n
                  : c_init + first * n,
            rows, n);
        const RowArray dh_total =
            dh.array() + ConstArrayMap(d_out + base * n, rows, n) * take;
        const RowArray dc_total =
            (dc.array() + dh_total * o * (1.0f - tanh_c * tanh_c)) * take;
        ArrayMap dz_t(dz_all + base * 4 * n, rows, 4 * n);
        dz_t.leftCols(n) = dc_total * j * i * (1.0f - i);
        dz_t.middleCols(n, n) = dc_total * i * (1.0f - j * j);
        dz_t.middleCols(2 * n, n) = dc_total * c_prev * f * (1.0f - f);
        dz_t.rightCols(n) = dh_total * take * tanh_c * o * (1.0f - o);
        bias_sum += dz_t.colwise().sum();
        dc.array() = dc_total * f + keep * dc.array();
        dh_prev.noalias() =
            ConstMap(dz_all + base * 4 * n, rows, 4 * n) * w.transpose();
        dh.array() = dh_prev.array() + keep * dh_total;
      }
      std::copy(dc.data(), dc.data() + rows * n, dc_out + first * n);
      std::copy(dh.data(), dh.data() + rows * n, dh_out + first * n);
      std::lock_guard<std::mutex> lock(bias_mutex);
      bias_sums.push_back(bias_sum);
    });
    ArrayMap total(d_bias->flat<float>().data(), 1, 4 * n);
    total.setZero();
    for (const RowArray& sum : bias_sums) total += sum;
  }
};

REGISTER_KERNEL_BUILDER(Name("Tf1seqLstmBackward").Device(DEVICE_CPU),
                        LstmBackwardOp);

}  // namespace tf1seq
