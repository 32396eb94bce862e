/* BTF source for the install consumer test (compiled with gcc -gbtf). */
struct pair {
  int a;
  long b;
};

long consumer_pair(struct pair p, double scale) {
  return (long)((double)(p.a + p.b) * scale);
}

int consumer_scalar(int x, unsigned char y) { return x + y; }
