"""recasts"""
