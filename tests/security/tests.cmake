# SPDX-License-Identifier: Apache-2.0
# The escape-attempt battery: one ctest per attack program, each run by
# run.sh in the default sandbox with the host checked before and after.
# Included by tests/CMakeLists.txt (SBX_TEST_ENV is defined there). The
# programs themselves are built static and put into the test rootfs by the
# helpers loop in tests/CMakeLists.txt.
file(GLOB SBX_SECURITY_ATTACKS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/atk_*.c)
foreach(src IN LISTS SBX_SECURITY_ATTACKS)
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME security/${name} COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/run.sh ${name})
  # RUN_SERIAL: the host checks compare the whole host before and after
  set_tests_properties(security/${name} PROPERTIES LABELS security TIMEOUT 120
      ENVIRONMENT "${SBX_TEST_ENV}" SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
endforeach()
# The whole battery again with every sandbox started by an ordinary user
# (rootless.sh makes one, sbxt-*, and removes it), without and with a
# subordinate id range: it must pass as it does as root, except what
# docs/rootless.md lists (run.sh's ROOTLESS_DIFFERENCES).
foreach(mode single subuid)
  add_test(NAME security/rootless-${mode} COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/rootless.sh ${mode})
  set_tests_properties(security/rootless-${mode} PROPERTIES LABELS security TIMEOUT 300
      ENVIRONMENT "${SBX_TEST_ENV}" SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
endforeach()
