/**
 * Adam (Kingma & Ba 2015) for the network's single flat parameter variable. Written out rather than
 * tf.train.adam so the learning rate can change between steps (plateau decay) and the optimiser state is
 * two tensors that are disposed with the run.
 */
import * as tf from '@tensorflow/tfjs';

export class Adam {
  private readonly firstMoment: tf.Variable;
  private readonly secondMoment: tf.Variable;
  private steps = 0;

  constructor(
    private readonly parameters: tf.Variable,
    public learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.firstMoment = tf.tidy(() => tf.variable(tf.zerosLike(parameters), false));
    this.secondMoment = tf.tidy(() => tf.variable(tf.zerosLike(parameters), false));
  }

  /** One step downhill on `loss`; returns the loss before the step (the caller disposes it). */
  step(loss: () => tf.Scalar): tf.Scalar {
    const { value, grads } = tf.variableGrads(loss, [this.parameters]);
    const gradient = grads[this.parameters.name]!;
    this.steps++;
    // Bias correction folded into the step size (the paper's "efficient version", section 2).
    const stepSize = (this.learningRate * Math.sqrt(1 - this.beta2 ** this.steps)) / (1 - this.beta1 ** this.steps);
    tf.tidy(() => {
      const m = tf.add(tf.mul(this.firstMoment, this.beta1), tf.mul(gradient, 1 - this.beta1));
      const v = tf.add(tf.mul(this.secondMoment, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
      this.firstMoment.assign(m);
      this.secondMoment.assign(v);
      this.parameters.assign(tf.sub(this.parameters, tf.mul(stepSize, tf.div(m, tf.add(tf.sqrt(v), this.epsilon)))));
    });
    gradient.dispose();
    return value;
  }

  dispose(): void {
    this.firstMoment.dispose();
    this.secondMoment.dispose();
  }
}
