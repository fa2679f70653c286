"""``prefetch_row``: a numba intrinsic that asks the CPU to start loading one matrix row into cache (no effect on values)."""

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

_LINE_BYTES = 64


@intrinsic
def prefetch_row(typingctx, matrix, row):
    """Issue one read prefetch per cache line of ``matrix[row]`` (2-D, C-contiguous); returns nothing.

    The intrinsic is declared with its typed-pointer name (``p0i8``): LLVM 14 (numba 0.59, the oldest we allow)
    needs it, and newer LLVMs remangle it to ``p0``.
    Only a hint (LLVM's ``llvm.prefetch``): it never faults and never changes a result, so the kernels may call it
    for rows they will read a little later (negatives drawn, the next word's subword rows).
    """
    if not (isinstance(matrix, types.Array) and matrix.ndim == 2 and matrix.layout == "C"
            and isinstance(row, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        width = context.get_abi_sizeof(context.get_data_type(signature.args[0].dtype))
        columns = builder.extract_value(array.shape, 1)
        index = builder.mul(context.cast(builder, args[1], signature.args[1], types.intp), columns)
        start = builder.bitcast(builder.gep(array.data, [index]), cgutils.voidptr_t)
        i32 = ir.IntType(32)
        hint = ir.FunctionType(ir.VoidType(), [cgutils.voidptr_t, i32, i32, i32])
        prefetch = cgutils.get_or_insert_function(builder.module, hint, "llvm.prefetch.p0i8")
        lines = builder.udiv(builder.add(builder.mul(columns, context.get_constant(types.intp, width)),
                                         context.get_constant(types.intp, _LINE_BYTES - 1)),
                             context.get_constant(types.intp, _LINE_BYTES))
        with cgutils.for_range(builder, lines) as loop:
            offset = builder.mul(loop.index, context.get_constant(types.intp, _LINE_BYTES))
            address = builder.gep(start, [offset])
            builder.call(prefetch, [address, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.none(matrix, row), codegen
