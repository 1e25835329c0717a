# Sanitizer builds: EXTPACK_SANITIZE=address gives ASan + UBSan, =thread gives TSan.
if(EXTPACK_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(EXTPACK_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT EXTPACK_SANITIZE STREQUAL "")
  message(FATAL_ERROR "EXTPACK_SANITIZE must be '', 'address' or 'thread'")
endif()
