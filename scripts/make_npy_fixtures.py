"""Write the NumPy fixtures of tests/io_readers.rs (tests/data/npy/).

Run once with NumPy installed (`python3 scripts/make_npy_fixtures.py`); the files are
committed, so the tests need no Python. Each file's expected values are written out
by hand in the test, not read back from here.
"""
import pathlib

import numpy as np

out = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "npy"
out.mkdir(parents=True, exist_ok=True)

m = np.array([[1.0, 2.5, -3.0], [0.1, 1e-300, 7.0]])
np.save(out / "f8_c.npy", m)
np.save(out / "f8_fortran.npy", np.asfortranarray(m))
np.save(out / "f8_big_endian.npy", m.astype(">f8"))
np.save(out / "f4.npy", np.array([[0.1, -2.5]], dtype=np.float32))
np.save(out / "i8.npy", np.array([[2**62 + 1, -3]], dtype=np.int64))
np.save(out / "u8.npy", np.array([2**64 - 1, 0], dtype=np.uint64))
np.save(out / "i4_big_endian.npy", np.array([-7, 8], dtype=">i4"))
np.save(out / "u1.npy", np.array([1, 2, 255], dtype=np.uint8))
np.save(out / "i2_fortran.npy", np.asfortranarray(np.array([[1, -2], [3, -4], [5, -6]], dtype=np.int16)))
np.save(out / "bool.npy", np.array([True, False]))
np.save(out / "c16.npy", np.array([1 + 2j]))
np.save(out / "f2.npy", np.array([1.5], dtype=np.float16))
np.save(out / "three_d.npy", np.zeros((2, 2, 2)))
np.save(out / "scalar.npy", np.array(5.0))
np.save(out / "nan.npy", np.array([1.0, np.nan]))
np.savez(out / "data.npz", X=m, y=np.array([1.0, -1.0]))
np.savez_compressed(out / "data_compressed.npz", X=m, y=np.array([1.0, -1.0]))

# Seeds for the io_readers fuzz target (it reads an .npz member named "a").
seeds = out.parent.parent.parent / "fuzz" / "seeds" / "io_readers"
np.savez_compressed(seeds / "a.npz", a=np.array([[0.5, -2.0]], dtype=np.float32))
np.save(seeds / "i8_be.npy", np.array([[2**60, -1]], dtype=">i8"))
