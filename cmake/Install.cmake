# `cmake --install`: headers, the static libraries with a CMake package (find_package(extpack)
# giving extpack::<name> targets) and a pkg-config file for the SDK.
# Included from the top-level CMakeLists.txt after every library target exists.
include(CMakePackageConfigHelpers)

set(EXTPACK_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/extpack" CACHE STRING
    "Where the CMake package files go, relative to the install prefix")
set(EXTPACK_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig" CACHE STRING
    "Where extpack.pc goes, relative to the install prefix")

# The SDK (what an integrator needs to talk to Agave and read transactions) and the rest
# of the libraries the programs are made of. Exported as extpack::<name>.
set(EXTPACK_SDK_LIBS common shm session txn)
set(EXTPACK_RUNTIME_LIBS sched packrt sim ops)

# An extpack_* library that one of these links to and that is not listed (one added to src/
# later) is exported with them: install(EXPORT) stops the configure on a dependency that is
# in no export set. It joins the set of the library that needs it.
function(extpack_export_closure list_var)
  set(libs ${${list_var}})
  set(queue ${libs})
  while(queue)
    list(POP_FRONT queue name)
    get_target_property(links extpack_${name} INTERFACE_LINK_LIBRARIES)
    if(NOT links)
      continue()
    endif()
    foreach(link IN LISTS links)
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" link "${link}")
      if(NOT link MATCHES "^extpack_(.+)$" OR link STREQUAL "extpack_warnings" OR NOT TARGET ${link})
        continue()
      endif()
      set(dep ${CMAKE_MATCH_1})
      if(NOT dep IN_LIST libs AND NOT dep IN_LIST EXTPACK_SDK_LIBS
         AND NOT dep IN_LIST EXTPACK_RUNTIME_LIBS)
        list(APPEND libs ${dep})
        list(APPEND queue ${dep})
      endif()
    endforeach()
  endwhile()
  set(${list_var} ${libs} PARENT_SCOPE)
endfunction()
extpack_export_closure(EXTPACK_SDK_LIBS)
extpack_export_closure(EXTPACK_RUNTIME_LIBS)

# The headers need C++20; say so on the bottom library so consumers get it transitively
# (CMAKE_CXX_STANDARD is a setting of this build only and does not travel with the targets).
target_compile_features(extpack_common INTERFACE cxx_std_20)

# Static libraries carry their PRIVATE links into the export as $<LINK_ONLY:...>, so the
# build-only warnings target would be demanded from consumers and install(EXPORT) refuses.
# Wrapping it in BUILD_INTERFACE is what `PRIVATE $<BUILD_INTERFACE:extpack_warnings>`
# in src/*/CMakeLists.txt would give; once they say that, this loop changes nothing.
block()
foreach(name IN LISTS EXTPACK_SDK_LIBS EXTPACK_RUNTIME_LIBS)
  get_target_property(links extpack_${name} INTERFACE_LINK_LIBRARIES)
  if(links)
    list(TRANSFORM links REPLACE "^\\$<LINK_ONLY:extpack_warnings>$"
         "$<LINK_ONLY:$<BUILD_INTERFACE:extpack_warnings>>")
    set_property(TARGET extpack_${name} PROPERTY INTERFACE_LINK_LIBRARIES "${links}")
  endif()
  set_property(TARGET extpack_${name} PROPERTY EXPORT_NAME ${name})
  # Same names inside this tree, so code can move between in-tree and installed use.
  if(NOT TARGET extpack::${name})
    add_library(extpack::${name} ALIAS extpack_${name})
  endif()
endforeach()
endblock()

# One target for the whole SDK.
add_library(extpack_sdk INTERFACE)
target_link_libraries(extpack_sdk INTERFACE extpack_common extpack_shm extpack_session extpack_txn)
set_property(TARGET extpack_sdk PROPERTY EXPORT_NAME sdk)
add_library(extpack::sdk ALIAS extpack_sdk)

block()
# Two export sets so that find_package(extpack) needs only the SDK's dependencies unless a
# runtime library is asked for as a component.
list(TRANSFORM EXTPACK_SDK_LIBS PREPEND extpack_ OUTPUT_VARIABLE sdk_targets)
list(TRANSFORM EXTPACK_RUNTIME_LIBS PREPEND extpack_ OUTPUT_VARIABLE runtime_targets)
install(TARGETS ${sdk_targets} extpack_sdk EXPORT extpackSdkTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS ${runtime_targets} EXPORT extpackRuntimeTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT extpackSdkTargets NAMESPACE extpack:: DESTINATION ${EXTPACK_INSTALL_CMAKEDIR})
install(EXPORT extpackRuntimeTargets NAMESPACE extpack:: DESTINATION ${EXTPACK_INSTALL_CMAKEDIR})
endblock()

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")

list(JOIN EXTPACK_SDK_LIBS " " EXTPACK_SDK_COMPONENTS)
list(JOIN EXTPACK_RUNTIME_LIBS " " EXTPACK_RUNTIME_COMPONENTS)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/extpackConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/extpackConfig.cmake
  INSTALL_DESTINATION ${EXTPACK_INSTALL_CMAKEDIR})
# 0.x: a minor version bump may break the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/extpackConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/extpackConfig.cmake
              ${PROJECT_BINARY_DIR}/cmake/extpackConfigVersion.cmake
        DESTINATION ${EXTPACK_INSTALL_CMAKEDIR})

block()
# pkg-config: prefix found from the .pc file's own location, so the file stays right when
# `cmake --install --prefix` picks a different prefix than the configured one.
if(IS_ABSOLUTE "${EXTPACK_INSTALL_PKGCONFIGDIR}")
  set(EXTPACK_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH pc_up "/prefix/${EXTPACK_INSTALL_PKGCONFIGDIR}" "/prefix")
  string(REGEX REPLACE "/$" "" pc_up "${pc_up}")
  set(EXTPACK_PC_PREFIX "\${pcfiledir}/${pc_up}")
endif()
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(EXTPACK_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(EXTPACK_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/extpack.pc.in ${PROJECT_BINARY_DIR}/cmake/extpack.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cmake/extpack.pc DESTINATION ${EXTPACK_INSTALL_PKGCONFIGDIR})
endblock()

# The programs (extpack-pack, agave-sim, extpack-demo, extpack-report, ...) install
# themselves to bin from their own directories; tests/install checks they are there.
