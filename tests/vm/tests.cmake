# SPDX-License-Identifier: Apache-2.0
# The VM suite (label vm): tests/vm/run-vm-tests.sh boots Debian's kernel under
# QEMU/TCG on a pure cgroup v2 machine and runs tests/vm/suite.list there (the
# cgroup tests and every integration test). It needs the whole build (sbxctr,
# test binaries, helpers, rootfs), so it runs after `cmake --build`. The script
# bounds the VM itself (SBX_VM_TIMEOUT, 780 s); the ctest limit is a backstop.
add_test(NAME vm/suite COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/vm/run-vm-tests.sh ${CMAKE_BINARY_DIR})
set_tests_properties(vm/suite PROPERTIES LABELS vm TIMEOUT 900 RUN_SERIAL TRUE)
# The same VM with the host's systemd as pid 1 (tests/vm/suite-systemd.list):
# transient scopes over D-Bus for --systemd-cgroup. Under a minute with the
# smoke check alone; its own work directory (BUILD/vm-systemd).
add_test(NAME vm/systemd COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/vm/run-vm-tests.sh ${CMAKE_BINARY_DIR} --systemd)
set_tests_properties(vm/systemd PROPERTIES LABELS vm TIMEOUT 900 RUN_SERIAL TRUE)
