# cmake -P script behind the install_consumer test (see CMakeLists.txt for the inputs).
# Steps: cmake --install into WORK_DIR/prefix; check the layout; configure, build and run
# examples/sdk-consumer with find_package(extpack); load the runtime components in a
# configure-only project; compile the same main.cpp with `pkg-config --cflags --libs
# extpack` and run it. Any failure stops with the failing command's output.
cmake_minimum_required(VERSION 3.25)

foreach(v BUILD_DIR SOURCE_DIR WORK_DIR CXX GENERATOR PKG_CONFIG)
  if(NOT DEFINED ${v} OR "${${v}}" STREQUAL "")
    message(FATAL_ERROR "install_consumer.cmake needs -D${v}=...")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(example ${SOURCE_DIR}/examples/sdk-consumer)
# A DESTDIR from the caller's environment would send the install somewhere else.
unset(ENV{DESTDIR})

# run(<step> <command...>): runs the command, stops with its output if it fails, and
# leaves stdout in `run_output`.
function(run step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${step} failed (${rc}):\n${ARGN}\n--- stdout\n${out}\n--- stderr\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

function(expect_ok step output)
  message(STATUS "${step}:\n${output}")
  if(NOT output MATCHES "analyze: ok " OR NOT output MATCHES "sdk-consumer: ok")
    message(FATAL_ERROR "${step}: did not print the expected lines")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

# 1. Install the tree as it is built.
run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

file(GLOB_RECURSE config_file ${prefix}/*/extpackConfig.cmake)
file(GLOB_RECURSE pc_file ${prefix}/*/extpack.pc)
if(NOT config_file OR NOT pc_file)
  message(FATAL_ERROR "no extpackConfig.cmake or extpack.pc under ${prefix}")
endif()
get_filename_component(libdir ${pc_file} DIRECTORY)
get_filename_component(libdir ${libdir} DIRECTORY)
foreach(f include/extpack/session/session.hpp include/extpack/txn/analyze.hpp
          include/extpack/shm/queue.hpp include/extpack/abi/messages.hpp
          bin/extpack-pack bin/agave-sim bin/extpack-demo bin/extpack-report)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
foreach(lib common shm session txn sched packrt sim ops)
  if(NOT EXISTS ${libdir}/libextpack_${lib}.a)
    message(FATAL_ERROR "not installed: ${libdir}/libextpack_${lib}.a")
  endif()
endforeach()

# 2. The example project, found through CMAKE_PREFIX_PATH only.
set(consumer_args -G ${GENERATOR} -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX}
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
if(MAKE_PROGRAM)
  list(APPEND consumer_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
if(BUILD_TYPE)
  list(APPEND consumer_args -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
endif()
run("configure sdk-consumer" ${CMAKE_COMMAND} -S ${example} -B ${WORK_DIR}/consumer
    ${consumer_args})
file(STRINGS ${WORK_DIR}/consumer/CMakeCache.txt found_dir REGEX "^extpack_DIR:")
string(FIND "${found_dir}" "${prefix}/" at)
if(at EQUAL -1)
  message(FATAL_ERROR "sdk-consumer found extpack outside the test prefix: ${found_dir}")
endif()
run("build sdk-consumer" ${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
run("run sdk-consumer" ${WORK_DIR}/consumer/sdk-consumer)
expect_ok("sdk-consumer (find_package)" "${run_output}")

# 3. The runtime components resolve, with every dependency they name (generate fails on a
#    missing imported target). Configure only: compiling them adds nothing here.
set(runtime_dir ${WORK_DIR}/runtime-components)
file(WRITE ${runtime_dir}/src/CMakeLists.txt [=[
cmake_minimum_required(VERSION 3.25)
project(extpack_runtime_components LANGUAGES CXX)
find_package(extpack 0.1 CONFIG REQUIRED COMPONENTS sdk sched packrt sim ops)
add_executable(uses-runtime main.cpp)
target_link_libraries(uses-runtime PRIVATE extpack::sdk extpack::sched extpack::packrt
                      extpack::sim extpack::ops)
]=])
file(WRITE ${runtime_dir}/src/main.cpp "int main() { return 0; }\n")
run("configure runtime components" ${CMAKE_COMMAND} -S ${runtime_dir}/src
    -B ${runtime_dir}/build ${consumer_args})
# An unknown required component must fail the lookup, not pass silently.
file(WRITE ${WORK_DIR}/bad-component/CMakeLists.txt [=[
cmake_minimum_required(VERSION 3.25)
project(extpack_bad_component LANGUAGES CXX)
find_package(extpack CONFIG REQUIRED COMPONENTS no-such-part)
]=])
execute_process(COMMAND ${CMAKE_COMMAND} -S ${WORK_DIR}/bad-component
                  -B ${WORK_DIR}/bad-component/build ${consumer_args}
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(rc EQUAL 0)
  message(FATAL_ERROR "find_package(extpack COMPONENTS no-such-part) succeeded")
endif()

# 4. The same program, compiled by hand with pkg-config's flags.
set(ENV{PKG_CONFIG_PATH} "${libdir}/pkgconfig")
run("pkg-config" ${PKG_CONFIG} --cflags --libs extpack)
string(STRIP "${run_output}" pc_flags)
message(STATUS "pkg-config --cflags --libs extpack: ${pc_flags}")
# The .pc file finds its prefix from its own place, so the paths carry "..": compare real paths.
run("pkg-config includedir" ${PKG_CONFIG} --variable=includedir extpack)
string(STRIP "${run_output}" pc_includedir)
file(REAL_PATH "${pc_includedir}" pc_includedir)
file(REAL_PATH "${prefix}/include" want_includedir)
if(NOT pc_includedir STREQUAL want_includedir)
  message(FATAL_ERROR "extpack.pc says includedir ${pc_includedir}, not ${want_includedir}")
endif()
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
run("compile with pkg-config" ${CXX} -std=c++20 ${example}/main.cpp ${pc_flags}
    -o ${WORK_DIR}/pc-consumer)
run("run pkg-config consumer" ${WORK_DIR}/pc-consumer)
expect_ok("sdk-consumer (pkg-config)" "${run_output}")

# The prefix holds a copy of every library; nothing needs it after a pass.
file(REMOVE_RECURSE ${WORK_DIR})
