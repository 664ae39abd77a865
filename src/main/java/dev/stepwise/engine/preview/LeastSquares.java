package dev.stepwise.engine.preview;

/** Solves small dense systems A X = B by Gaussian elimination with partial pivoting. */
final class LeastSquares {
  private LeastSquares() {}

  /**
   * Returns X for square {@code a} [k][k] and right-hand sides {@code b} [k][m]; inputs are not
   * modified.
   */
  static double[][] solve(double[][] a, double[][] b) {
    int k = a.length;
    int m = b[0].length;
    double[][] A = new double[k][];
    double[][] B = new double[k][];
    for (int i = 0; i < k; i++) {
      A[i] = a[i].clone();
      B[i] = b[i].clone();
    }
    for (int col = 0; col < k; col++) {
      int pivot = col;
      for (int r = col + 1; r < k; r++) {
        if (Math.abs(A[r][col]) > Math.abs(A[pivot][col])) {
          pivot = r;
        }
      }
      double[] t = A[col];
      A[col] = A[pivot];
      A[pivot] = t;
      t = B[col];
      B[col] = B[pivot];
      B[pivot] = t;
      double d = A[col][col];
      if (Math.abs(d) < 1e-300) {
        throw new ArithmeticException("The system is singular.");
      }
      for (int r = 0; r < k; r++) {
        if (r == col) {
          continue;
        }
        double f = A[r][col] / d;
        if (f == 0) {
          continue;
        }
        for (int c = col; c < k; c++) {
          A[r][c] -= f * A[col][c];
        }
        for (int c = 0; c < m; c++) {
          B[r][c] -= f * B[col][c];
        }
      }
    }
    double[][] x = new double[k][m];
    for (int i = 0; i < k; i++) {
      for (int c = 0; c < m; c++) {
        x[i][c] = B[i][c] / A[i][i];
      }
    }
    return x;
  }
}
