using TorchSharp;
using static TorchSharp.torch;

namespace NasNet.Core.Controller;

/// <summary>Optimizers whose steps keep their <see cref="Scalar"/> arguments alive (see <see cref="Adam"/>).</summary>
internal static class ScalarSafe
{
    /// <summary>
    /// TorchSharp's Adam with the same arithmetic, state and state-dict format, whose step keeps every
    /// <see cref="Scalar"/> alive until its native call has returned. TorchSharp 0.107's <c>Adam.step</c> passes implicit
    /// Scalar temporaries (<c>value: -step_size</c>, <c>alpha: 1 - beta1</c>) to native code by handle only, so a GC
    /// started by another thread may finalize one mid-call; with two PPO searches updating in parallel that surfaced as
    /// "Expected false to be true ... toFloat" from <c>addcdiv_</c> (2 of 8 bench runs). Here each Scalar is a local
    /// disposed after use. Named Adam (nested in <see cref="ScalarSafe"/>) because TorchSharp's state dict records the
    /// optimizer's type name and checks it on load: PPO states written with TorchSharp's Adam load here and back.
    /// Defaults match TorchSharp 0.107's <c>torch.optim.Adam(params, lr)</c>: betas 0.9 and 0.999, eps 1e-8.
    /// </summary>
    internal sealed class Adam(IEnumerable<TorchSharp.Modules.Parameter> parameters, double lr)
        : TorchSharp.Modules.Adam(parameters, lr, beta1: 0.9, beta2: 0.999)
    {
        public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
        {
            var options = (Options)group.Options;
            var beta1 = options.beta1!.Value;
            var beta2 = options.beta2!.Value;
            var eps = options.eps!.Value;
            var lr = options.LearningRate!.Value;
            if (options.weight_decay is not (null or 0) || options.amsgrad == true || options.maximize == true)
            {
                throw new NotSupportedException("ScalarSafe.Adam implements plain Adam only (no weight decay, amsgrad or maximize)");
            }

            using var b1 = beta1.ToScalar();
            using var b2 = beta2.ToScalar();
            using var a1 = (1 - beta1).ToScalar();
            using var a2 = (1 - beta2).ToScalar();
            using var e = eps.ToScalar();
            using var one = 1.ToScalar(); // add_(Scalar) would create its alpha (1) as a hidden temporary
            foreach (var param in group.Parameters)
            {
                var state = (State)_state[param.Handle];
                var grad = param.grad;
                if (grad is null)
                {
                    continue;
                }

                state.step += 1;
                var bias1 = 1 - Math.Pow(beta1, state.step);
                var bias2 = 1 - Math.Pow(beta2, state.step);
                state.exp_avg.mul_(b1).add_(grad, alpha: a1);
                state.exp_avg_sq.mul_(b2).addcmul_(grad, grad.conj(), value: a2);
                using var root = Math.Sqrt(bias2).ToScalar();
                using var stepSize = (-lr / bias1).ToScalar();
                var denom = state.exp_avg_sq.sqrt().div(root).add_(e, one);
                param.addcdiv_(state.exp_avg, denom, value: stepSize);
            }
        }, closure);
    }
}
