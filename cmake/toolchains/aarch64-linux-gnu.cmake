# Cross toolchain: aarch64 (arm64) Linux, Debian cross compiler + multiarch.
#
#   cmake -S . -B build/aarch64 -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
#
# Target libraries come from Debian multiarch (:arm64 packages in
# /usr/lib/aarch64-linux-gnu, installed by ci/install-deps). Tests run through
# qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR, used by ctest and by
# gtest_discover_tests).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(_xt_triple aarch64-linux-gnu)

set(CMAKE_C_COMPILER ${_xt_triple}-gcc)
set(CMAKE_CXX_COMPILER ${_xt_triple}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${_xt_triple})

# /usr/<triple> is the cross libc; "/" is needed to reach the multiarch
# /usr/lib/<triple>/{cmake,pkgconfig} and the arch-independent configs in
# /usr/share/cmake. CMAKE_LIBRARY_ARCHITECTURE keeps the x86-64 libraries in
# /usr/lib/x86_64-linux-gnu out of reach.
set(CMAKE_FIND_ROOT_PATH /usr/${_xt_triple} /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# No <triple>-pkg-config wrapper on Debian for arm64: point pkg-config at the
# target's .pc files only.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${_xt_triple}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# libstdc++ and libgcc linked in statically: test binaries then need only
# libc and the multiarch libbpf/libdw at run time.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static-libstdc++ -static-libgcc")

# Run with ONE C library. When libc6:arm64 is installed (ci/install-deps does),
# the multiarch loader /lib/ld-linux-aarch64.so.1 and its libc are used
# ("-L /"); "-L /usr/aarch64-linux-gnu" would combine the cross loader with
# the multiarch libc.so.6 (two different glibc builds). Without multiarch
# libc, fall back to the cross libc.
if(EXISTS /lib/ld-linux-aarch64.so.1 AND EXISTS /usr/lib/${_xt_triple}/libbpf.so.1)
  set(_xt_qemu_root /)
else()
  set(_xt_qemu_root /usr/${_xt_triple})
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;${_xt_qemu_root})
