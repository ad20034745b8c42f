pub mod dashscope;
